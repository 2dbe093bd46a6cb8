// The forward step on node:http: send the signed request over the server's
// keep-alive pool with the held body in one write, bound the wait for
// response headers (never the life of a stream), and hand the answer to the
// relay step. A client that leaves aborts the upstream request (see
// handler.ts). A request the upstream never saw (refused, or a stale pooled
// socket) is sent once more on a fresh connection; redirects are relayed,
// never followed. (http-proxy-3 did this job until issue 7: see the README's
// architecture section for why it went.)
import http, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { LOCAL_USER } from '../auth/scheme.js';
import { AppError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { upstreamErrorKind, type ProxyMetrics } from '../observability/metrics.js';
import { REQUEST_ID_HEADER } from '../observability/request-id.js';
import type { ForwardedExchange } from './exchange.js';
import { RPC, requestIdOf, sendProxyError, type ProxyErrorBody, type Redact } from './jsonrpc-error.js';
import { Deadlines } from './deadlines.js';
import { createRelay, type StreamTracker } from './relay.js';

export interface ForwarderOptions {
  logger: Logger;
  metrics: ProxyMetrics;
  /** Called for every stream the proxy holds open, so shutdown can end it and the gauge counts it. */
  trackStream: StreamTracker;
  /** Takes known secret values out of the answers the proxy writes itself. */
  redact?: Redact;
}

export interface Forwarder {
  forward(req: IncomingMessage, res: ServerResponse, exchange: ForwardedExchange): void;
}

interface RequestTarget {
  protocol: string;
  hostname: string;
  port?: number | string;
  path: string;
}

export function createForwarder(options: ForwarderOptions): Forwarder {
  const { logger, metrics } = options;
  const answerError = (res: ServerResponse, error: ProxyErrorBody, id?: unknown, headers?: Record<string, string>) => sendProxyError(res, error, id, headers, options.redact);
  // Parsed once per URL object: the common target is the server's base URL, the same object every time.
  const targets = new WeakMap<URL, RequestTarget>();
  const relay = createRelay({ ...options, retryAfterRefresh });

  // One list of waits per timeout length (servers with the same requestTimeout share one).
  const deadlines = new Map<number, Deadlines<ForwardedExchange>>();
  const expired = (exchange: ForwardedExchange) => {
    exchange.wait = undefined;
    exchange.timedOut = true;
    if (exchange.proxyReq) exchange.proxyReq.destroy(timeoutError(exchange));
    else onError(timeoutError(exchange), exchange.req, exchange.res, exchange);
  };

  function forward(req: IncomingMessage, res: ServerResponse, exchange: ForwardedExchange): void {
    const ms = exchange.upstream.timeoutMs;
    let list = deadlines.get(ms);
    if (!list) deadlines.set(ms, (list = new Deadlines(ms, expired)));
    exchange.wait = list.add(exchange);
    send(req, res, exchange);
  }

  function send(req: IncomingMessage, res: ServerResponse, exchange: ForwardedExchange): void {
    const { upstream, target } = exchange;
    let parsed = targets.get(target);
    if (!parsed) {
      const { protocol, hostname, port, path } = urlToHttpOptions(target);
      parsed = { protocol: protocol as string, hostname: hostname as string, path: path as string, ...(port === undefined || port === null || port === '' ? {} : { port }) };
      targets.set(target, parsed);
    }
    const proxyReq = (parsed.protocol === 'https:' ? https : http).request({ ...parsed, method: exchange.method, headers: headerList(exchange.headers), agent: upstream.agent });
    exchange.proxyReq = proxyReq;
    exchange.readAtSend = undefined;
    // Each of these events comes once per request: plain listeners, no once() wrapper each.
    proxyReq.on('socket', (socket) => {
      exchange.readAtSend = socket.bytesRead;
    });
    proxyReq.on('response', (proxyRes) => {
      exchange.wait?.cancel();
      relay(exchange, req, res, proxyRes);
    });
    proxyReq.on('error', (error) => onError(error, req, res, exchange));
    if (exchange.timedOut) proxyReq.destroy(timeoutError(exchange));
    else proxyReq.end(exchange.body);
  }

  /**
   * A 401 to an OAuth token: refresh (or pick up the refresh already under
   * way) and send the same request once more; the held body makes that
   * possible. When no refresh can help, the agent gets the login hint.
   */
  function retryAfterRefresh(exchange: ForwardedExchange, req: IncomingMessage, res: ServerResponse, refreshing: Promise<void>): void {
    const { upstream } = exchange;
    const signer = upstream.signer as NonNullable<typeof upstream.signer>;
    exchange.retried = true;
    exchange.proxyReq = undefined;
    refreshing
      .then(() => {
        if (res.destroyed) return undefined;
        // What the first signing set goes first: a fresher credential may not set it at all (a session token).
        for (const name of signer.headerNames) delete exchange.headers[name];
        // A retry is rare: one promise for both kinds of scheme keeps it to one path.
        return Promise.resolve(signer.sign({ method: exchange.method, url: exchange.target, headers: exchange.headers as Record<string, string>, identity: exchange.principal ?? LOCAL_USER, ...(signer.needsBody ? { body: exchange.body ?? Buffer.alloc(0) } : {}) })).then((signed) => {
          if (res.destroyed) return;
          Object.assign(exchange.headers, signed);
          logger.info('retrying after a credential refresh', { requestId: exchange.requestId, server: upstream.name });
          forward(req, res, exchange);
        });
      })
      .catch(
        (error: unknown) => {
          const cause = error instanceof AppError ? error : undefined;
          exchange.failure = cause?.code === 'LOGIN_REQUIRED' ? 'login-required' : 'refresh-failed';
          answerError(
            res,
            {
              status: 503,
              rpcCode: RPC.noCredential,
              code: cause?.code ?? 'CREDENTIAL_UNAVAILABLE',
              server: upstream.name,
              message: `Upstream "${upstream.name}" refused the token and it could not be refreshed: ${cause?.message ?? String(error)}`,
              hint: cause?.hint ?? `Run \`mcp-auth-proxy login ${upstream.name}\``,
            },
            requestIdOf(exchange.body),
            { [REQUEST_ID_HEADER]: exchange.requestId },
          );
        },
      );
  }

  function onError(error: Error, req: IncomingMessage, res: ServerResponse, exchange: ForwardedExchange): void {
    // The agent hung up (handler.ts destroyed the request): nothing to answer.
    if (res.destroyed && !exchange.timedOut) return;
    if (unseenByUpstream(error, exchange, res)) {
      reconnect(req, res, exchange, (error as NodeJS.ErrnoException).code as string);
      return;
    }
    exchange.wait?.cancel();
    const code = (error as NodeJS.ErrnoException).code ?? 'ERROR';
    const server = exchange.upstream.name;
    metrics.upstreamError(server, upstreamErrorKind(code));
    if (res.headersSent || res.destroyed) {
      exchange.failure ??= 'upstream-error';
      res.destroy();
      return;
    }
    const timedOut = code === 'UPSTREAM_TIMEOUT';
    exchange.failure = timedOut ? 'timeout' : 'unreachable';
    exchange.upstream.last = { at: Date.now(), error: code, latencyMs: Math.round(performance.now() - exchange.startedAt) };
    logger.warn(timedOut ? 'upstream timed out' : 'upstream unreachable', {
      requestId: exchange.requestId,
      server,
      code,
      error: error.message,
      upstream: exchange.target.origin,
    });
    answerError(
      res,
      timedOut
        ? {
            status: 504,
            rpcCode: RPC.upstreamTimeout,
            code: 'UPSTREAM_TIMEOUT',
            server,
            message: `Upstream "${server}" did not answer within ${exchange.upstream.timeoutMs} ms`,
            hint: 'Check the upstream, or raise requestTimeout / servers.<name>.timeout',
          }
        : {
            status: 502,
            rpcCode: RPC.upstreamUnreachable,
            code: 'UPSTREAM_UNREACHABLE',
            server,
            message: `Upstream "${server}" is unreachable (${code})`,
            hint: 'Run `mcp-auth-proxy doctor` to check DNS, TCP and TLS to it',
          },
      requestIdOf(exchange.body),
      { [REQUEST_ID_HEADER]: exchange.requestId },
    );
  }

  /**
   * Sends the request once more on a new connection. The idle sockets pooled
   * beside a stale one are as old and likely as dead (an idle timeout or a
   * restart closes them all), so they go first; the agent skips destroyed
   * free sockets. The timer keeps running: the wait for headers is bounded
   * across both attempts.
   */
  function reconnect(req: IncomingMessage, res: ServerResponse, exchange: ForwardedExchange, code: string): void {
    exchange.reconnected = true;
    exchange.proxyReq = undefined;
    for (const sockets of Object.values(exchange.upstream.agent.freeSockets)) {
      for (const socket of sockets ?? []) socket.destroy();
    }
    logger.info('retrying on a fresh connection', { requestId: exchange.requestId, server: exchange.upstream.name, code });
    send(req, res, exchange);
  }

  return { forward };
}

/**
 * The headers as the flat [name, value, ...] list node:http writes as given:
 * the same validation and the same bytes on the wire as a headers object,
 * without the per-header setHeader() bookkeeping (a lower-cased copy of each
 * name and a [name, value] pair in a lookup table) that nothing here reads.
 */
function headerList(headers: OutgoingHttpHeaders): string[] {
  const list: unknown[] = [];
  for (const name in headers) list.push(name, headers[name]);
  return list as string[];
}

/**
 * Whether a failed attempt can be sent again, whatever its method: nothing
 * reached the client yet, and the upstream did not take the request: the
 * connection was refused, or a pooled keep-alive socket was reset before any
 * response byte (the upstream closed it while idle, as the request went out).
 * A reset on a fresh connection may follow real work upstream, so it is never
 * retried; nor is a timeout. bytesRead counts cleartext, so a TLS close_notify
 * does not count as a response byte.
 */
function unseenByUpstream(error: Error, exchange: ForwardedExchange, res: ServerResponse): boolean {
  if (exchange.reconnected || exchange.timedOut || res.headersSent || res.destroyed) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return true;
  if (code !== 'ECONNRESET' && code !== 'EPIPE') return false;
  const proxyReq = exchange.proxyReq;
  return proxyReq?.reusedSocket === true && exchange.readAtSend !== undefined && proxyReq.socket?.bytesRead === exchange.readAtSend;
}

function timeoutError(exchange: ForwardedExchange): Error {
  return Object.assign(new Error(`no response headers within ${exchange.upstream.timeoutMs} ms`), { code: 'UPSTREAM_TIMEOUT' });
}
