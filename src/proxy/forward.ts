// The forward and relay steps on http-proxy-3: send the signed request over a
// keep-alive pool, bound the wait for response headers (never the life of a
// stream), and relay the answer byte for byte. A client that leaves aborts
// the upstream request (http-proxy-3 destroys it on response close). A request
// the upstream never saw (refused, or a stale pooled socket) is sent once more
// on a fresh connection; redirects are relayed, never followed.
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Stream } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import { LOCAL_USER } from '../auth/scheme.js';
import { AppError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { RPC, requestIdOf, sendProxyError } from './jsonrpc-error.js';
import { isEventStream, serveHeartbeatStream } from './sse.js';
import { relayWithKeepalive } from './stream-keepalive.js';
import { responseHeaders } from './strip.js';
import type { Upstream } from './upstreams.js';

/** Per-request state shared by the forward and relay steps and the access log. */
export interface Exchange {
  upstream: Upstream;
  target: URL;
  headers: Record<string, string>;
  body: Buffer | undefined;
  startedAt: number;
  upstreamStatus?: number;
  /** Why the proxy answered itself, when it did (timeout, unreachable...). */
  failure?: string;
  proxyReq?: ClientRequest;
  timer?: NodeJS.Timeout;
  timedOut?: boolean;
  /** Set once the request was re-sent after a credential refresh; never twice. */
  retried?: boolean;
  /** Set once the request was re-sent on a fresh connection after a connection failure; never twice. */
  reconnected?: boolean;
  /** The upstream socket's bytesRead when this attempt got it: unchanged means no response byte came back. */
  readAtSend?: number;
}

export interface ForwarderOptions {
  logger: Logger;
  /** Called for every stream the proxy holds open, so shutdown can end it. */
  trackStream: (res: ServerResponse, close: () => void) => void;
}

export interface Forwarder {
  forward(req: IncomingMessage, res: ServerResponse, exchange: Exchange): void;
  close(): void;
}

export function createForwarder(options: ForwarderOptions): Forwarder {
  const { logger } = options;
  const exchanges = new WeakMap<IncomingMessage, Exchange>();
  const proxy = createProxyServer({
    selfHandleResponse: true,
    ignorePath: true,
    changeOrigin: true,
    xfwd: false,
    secure: true,
    ws: false,
  });

  proxy.on('proxyReq', (proxyReq, req, _res, _options, socket) => {
    const exchange = exchanges.get(req);
    if (!exchange) return;
    exchange.proxyReq = proxyReq;
    exchange.readAtSend = socket.bytesRead;
    if (exchange.timedOut) proxyReq.destroy(timeoutError(exchange));
  });

  proxy.on('proxyRes', (proxyRes, req, res) => {
    const exchange = exchanges.get(req);
    if (!exchange) return;
    clearTimeout(exchange.timer);
    relay(exchange, req, res, proxyRes);
  });

  // A client that hung up mid-request: nothing to answer, the upstream request is already destroyed.
  proxy.on('econnreset', () => undefined);
  // Mandatory listener: errors not tied to a request callback must not crash the daemon.
  proxy.on('error', (error) => logger.error('proxy error', { error: error.message }));

  function relay(exchange: Exchange, req: IncomingMessage, res: ServerResponse, proxyRes: IncomingMessage): void {
    const status = proxyRes.statusCode ?? 502;
    const { upstream } = exchange;
    exchange.upstreamStatus = status;
    const at = Date.now();
    upstream.last = { at, status, latencyMs: at - exchange.startedAt };
    if (res.destroyed) {
      proxyRes.destroy();
      return;
    }
    if (status === 401 && !exchange.retried) {
      const refreshing = upstream.signer?.refreshAfterUnauthorized?.(exchange.headers.authorization);
      if (refreshing) {
        retryAfterRefresh(exchange, req, res, proxyRes, refreshing);
        return;
      }
    }
    if (exchange.retried && status < 400) upstream.signer?.acceptedAfterRefresh?.(exchange.headers.authorization);
    if (status === 405 && req.method === 'GET') {
      proxyRes.resume();
      serveHeartbeatStream(res, upstream.heartbeatMs);
      options.trackStream(res, () => res.end());
      return;
    }
    const refused = status === 401 || status === 403;
    // Agents seeing WWW-Authenticate would start their own OAuth against us.
    const headers = responseHeaders(proxyRes.headers, refused ? 'www-authenticate' : undefined);
    if (refused) {
      logger.warn('upstream refused the credential', {
        server: upstream.name,
        status,
        hint: `check the credential, then run \`mcp-auth-proxy login ${upstream.name}\``,
      });
    }
    res.writeHead(status, proxyRes.statusMessage ?? '', headers);
    const eventStream = isEventStream(headers['content-type']);
    if (eventStream) {
      res.flushHeaders();
      options.trackStream(res, () => {
        proxyRes.destroy();
        res.end();
      });
    }
    // An upstream that dies mid-body must end the client's response too, not leave it hanging.
    proxyRes.once('close', () => {
      if (!proxyRes.complete && !res.destroyed) {
        logger.warn('upstream closed the response early', { server: upstream.name });
        res.destroy();
      }
    });
    if (eventStream && upstream.config.streamKeepalive) relayWithKeepalive(proxyRes, res, upstream.heartbeatMs);
    else proxyRes.pipe(res);
  }

  /**
   * A 401 to an OAuth token: refresh (or pick up the refresh already under
   * way) and send the same request once more; the held body makes that
   * possible. When no refresh can help, the agent gets the login hint.
   */
  function retryAfterRefresh(exchange: Exchange, req: IncomingMessage, res: ServerResponse, proxyRes: IncomingMessage, refreshing: Promise<void>): void {
    const { upstream } = exchange;
    const signer = upstream.signer as NonNullable<Upstream['signer']>;
    exchange.retried = true;
    exchange.proxyReq = undefined;
    proxyRes.resume();
    refreshing.then(
      () => {
        if (res.destroyed) return;
        const signed = signer.sign({ method: req.method ?? 'GET', url: exchange.target, headers: req.headers, identity: LOCAL_USER });
        exchange.headers = { ...exchange.headers, ...signed };
        logger.info('retrying after a token refresh', { server: upstream.name });
        forward(req, res, exchange);
      },
      (error: unknown) => {
        const cause = error instanceof AppError ? error : undefined;
        exchange.failure = cause?.code === 'LOGIN_REQUIRED' ? 'login-required' : 'refresh-failed';
        sendProxyError(
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
        );
      },
    );
  }

  function onError(error: Error, req: IncomingMessage, res: ServerResponse | unknown): void {
    const exchange = exchanges.get(req);
    if (!exchange || !isResponse(res)) return;
    if (unseenByUpstream(error, exchange, res)) {
      reconnect(req, res, exchange, (error as NodeJS.ErrnoException).code as string);
      return;
    }
    clearTimeout(exchange.timer);
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const code = (error as NodeJS.ErrnoException).code ?? 'ERROR';
    const timedOut = code === 'UPSTREAM_TIMEOUT';
    exchange.failure = timedOut ? 'timeout' : 'unreachable';
    const server = exchange.upstream.name;
    const at = Date.now();
    exchange.upstream.last = { at, error: code, latencyMs: at - exchange.startedAt };
    logger.warn(timedOut ? 'upstream timed out' : 'upstream unreachable', {
      server,
      code,
      error: error.message,
      upstream: exchange.target.origin,
    });
    sendProxyError(
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
    );
  }

  /**
   * Sends the request once more on a new connection. The idle sockets pooled
   * beside a stale one are as old and likely as dead (an idle timeout or a
   * restart closes them all), so they go first; the agent skips destroyed
   * free sockets, and proxy.web takes its socket in this same tick. The timer
   * keeps running: the wait for headers is bounded across both attempts.
   */
  function reconnect(req: IncomingMessage, res: ServerResponse, exchange: Exchange, code: string): void {
    exchange.reconnected = true;
    exchange.proxyReq = undefined;
    for (const sockets of Object.values(exchange.upstream.agent.freeSockets)) {
      for (const socket of sockets ?? []) socket.destroy();
    }
    logger.info('retrying on a fresh connection', { server: exchange.upstream.name, code });
    send(req, res, exchange);
  }

  function forward(req: IncomingMessage, res: ServerResponse, exchange: Exchange): void {
    exchanges.set(req, exchange);
    exchange.timer = setTimeout(() => {
      exchange.timedOut = true;
      if (exchange.proxyReq) exchange.proxyReq.destroy(timeoutError(exchange));
      else onError(timeoutError(exchange), req, res);
    }, exchange.upstream.timeoutMs);
    exchange.timer.unref();
    send(req, res, exchange);
  }

  function send(req: IncomingMessage, res: ServerResponse, exchange: Exchange): void {
    proxy.web(
      req,
      res,
      {
        target: exchange.target,
        agent: exchange.upstream.agent,
        headers: exchange.headers,
        ...(exchange.body ? { buffer: bufferSource(exchange.body) } : {}),
      },
      onError,
    );
  }

  return {
    forward,
    close() {
      proxy.close();
    },
  };
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
function unseenByUpstream(error: Error, exchange: Exchange, res: ServerResponse): boolean {
  if (exchange.reconnected || res.headersSent || res.destroyed) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED') return true;
  if (code !== 'ECONNRESET' && code !== 'EPIPE') return false;
  const proxyReq = exchange.proxyReq;
  return proxyReq?.reusedSocket === true && proxyReq.socket?.bytesRead === exchange.readAtSend;
}

function timeoutError(exchange: Exchange): Error {
  return Object.assign(new Error(`no response headers within ${exchange.upstream.timeoutMs} ms`), { code: 'UPSTREAM_TIMEOUT' });
}

/** http-proxy-3 only calls `.pipe(proxyReq)` on its `buffer` option; write the held body in one go. */
function bufferSource(body: Buffer): Stream {
  return { pipe: (destination: NodeJS.WritableStream) => destination.end(body) } as unknown as Stream;
}

function isResponse(value: unknown): value is ServerResponse {
  return typeof value === 'object' && value !== null && 'writeHead' in value;
}
