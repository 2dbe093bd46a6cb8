// The request path as a short list of named steps:
// guard → route → confine → read body → strip → sign → forward (→ relay in forward.ts).
// Each step either hands on or answers the request itself.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { LOCAL_USER } from '../auth/scheme.js';
import { AppError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { ProxyMetrics } from '../observability/metrics.js';
import { REQUEST_ID_HEADER, requestIdFrom } from '../observability/request-id.js';
import { BodyTooLargeError, readBody } from './body.js';
import { confinedTarget } from './confine.js';
import { Exchange, type ForwardedExchange } from './exchange.js';
import type { Forwarder } from './forward.js';
import type { Guard } from './guard.js';
import type { LegacySse } from './legacy-sse.js';
import { RPC, requestIdOf, sendOwnAnswer, sendProxyError, type ProxyErrorBody, type Redact } from './jsonrpc-error.js';
import type { Recorder } from './record.js';
import { createRouter, type RouteTable } from './routes.js';
import { credentialState, type Upstream } from './upstreams.js';

export interface HandlerOptions {
  guard: Guard;
  routes: RouteTable;
  upstreams: Map<string, Upstream>;
  forwarder: Forwarder;
  logger: Logger;
  metrics: ProxyMetrics;
  /** Access line, metrics and audit at the end of each request. */
  recorder: Recorder;
  maxBodyBytes: number;
  /** Whether the proxy still accepts work (false while draining). */
  isReady: () => boolean;
  /** Legacy HTTP+SSE streams and their message endpoints. */
  legacy: LegacySse;
  /** What /statusz reports about this process (read at each request: a reload updates it). */
  info: { version: string; startedAt: string; lastReload?: unknown };
  /** Takes known secret values out of every answer the proxy writes itself (error messages can quote them). */
  redact?: Redact;
  /** Reads one server's credential again (POST /credentialz, sent by login and logout); absent: not offered. */
  refreshCredential?: (server: string) => Promise<CredentialReport> | undefined;
}

/** What /credentialz answers: the HTTP status and the server's credential state. */
export interface CredentialReport {
  status: number;
  body: Record<string, unknown>;
}

/** What /statusz reports: process info, per-server state, the headline counters. */
type StatusInfo = HandlerOptions['info'];

const MCP_METHODS = new Set(['GET', 'POST', 'DELETE']);

export interface Handler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** Swaps in new servers (a reload): requests from now on use them; in-flight ones keep theirs. */
  update(upstreams: Map<string, Upstream>, routes: RouteTable, maxBodyBytes: number): void;
}

export function createHandler(options: HandlerOptions): Handler {
  const { guard, forwarder, logger } = options;
  const redact = options.redact ?? ((text: string) => text);
  const answerError = (res: ServerResponse, error: ProxyErrorBody, id?: unknown, headers?: Record<string, string>) => sendProxyError(res, error, id, headers, redact);
  let upstreams = options.upstreams;
  let route = createRouter(options.routes);
  let maxBodyBytes = options.maxBodyBytes;

  const handle = function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const exchange = new Exchange(req, res, requestIdFrom(req.headers[REQUEST_ID_HEADER]), req.method ?? 'GET', q === -1 ? url : url.slice(0, q), performance.now());
    const { method, path } = exchange;
    // 'close' comes once: a plain listener, no once() wrapper per request.
    res.on('close', () => {
      exchange.wait?.cancel();
      // The agent left before the answer was complete: the upstream request goes too.
      if (!res.writableFinished) exchange.proxyReq?.destroy();
      options.recorder.end(exchange, res);
    });

    const rejection = guard.check(req);
    if (rejection) {
      // Closed after the answer: a refused caller cannot keep connection slots.
      const rpcCode = rejection.status === 400 ? RPC.invalidRequest : RPC.forbidden;
      answerError(res, { status: rejection.status, rpcCode, code: rejection.code, message: rejection.message }, null, { connection: 'close', [REQUEST_ID_HEADER]: exchange.requestId });
      return;
    }

    const matched = route(url);
    if (matched.kind !== 'mcp' && matched.kind !== 'legacy-sse' && matched.kind !== 'legacy-message') res.setHeader(REQUEST_ID_HEADER, exchange.requestId);
    if (method === 'OPTIONS') {
      // No CORS: a browser preflight gets no Access-Control-* headers, so no page may call the proxy.
      res.writeHead(204, { allow: 'GET, POST, DELETE', 'cache-control': 'no-store', [REQUEST_ID_HEADER]: exchange.requestId }).end();
      return;
    }
    switch (matched.kind) {
      case 'healthz':
        return sendJson(res, 200, { status: 'ok' }, redact);
      case 'readyz':
        return sendReadiness(res, upstreams, options.isReady(), redact);
      case 'statusz':
        return sendJson(res, 200, statusOf(upstreams, options.info, options.metrics), redact);
      case 'metrics':
        return sendMetrics(res, options.metrics, logger);
      case 'credentialz':
        return credentialz(req, res);
      case 'discovery':
        return answerError(res, {
          status: 404,
          rpcCode: RPC.routeNotFound,
          code: 'NOT_AN_AUTHORIZATION_SERVER',
          message: 'mcp-auth-proxy handles authorization itself; agents need no OAuth against it',
        });
      case 'no-default':
        return answerError(res, {
          status: 404,
          rpcCode: RPC.routeNotFound,
          code: 'NO_DEFAULT_SERVER',
          message: `/mcp needs a default server; use /{server}/mcp with one of: ${matched.servers.join(', ') || '(none configured)'}`,
          hint: 'Or set "defaultServer" in the config',
        });
      case 'unknown-server':
        return answerError(res, {
          status: 404,
          rpcCode: RPC.routeNotFound,
          code: 'UNKNOWN_SERVER',
          message: `No server named "${matched.server}"; configured: ${matched.servers.join(', ') || '(none)'}`,
        });
      case 'not-found':
        return answerError(res, {
          status: 404,
          rpcCode: RPC.routeNotFound,
          code: 'NOT_FOUND',
          message: `Nothing at ${path}; MCP endpoints are /mcp and /{server}/mcp`,
        });
      case 'mcp':
      case 'legacy-sse':
      case 'legacy-message':
        break;
    }
    const upstream = upstreams.get(matched.server) as Upstream;
    exchange.upstream = upstream;
    // Proxy-made answers on this route carry the id too; forwarded ones get it in the relay.
    const idHeader = { [REQUEST_ID_HEADER]: exchange.requestId };
    let target: URL | undefined;
    // MCP uses GET, POST and DELETE only; anything else (TRACE would echo the signed credential) stops here.
    const wanted = matched.kind === 'legacy-sse' ? 'GET' : matched.kind === 'legacy-message' ? 'POST' : MCP_METHODS.has(method) ? undefined : 'GET, POST, DELETE';
    if (wanted && method !== wanted) {
      return answerError(res, { status: 405, rpcCode: RPC.invalidRequest, code: 'METHOD_NOT_ALLOWED', server: upstream.name, message: `${path} takes ${wanted} only` }, null, { allow: wanted, ...idHeader });
    }
    if (matched.kind === 'mcp') {
      const confined = confinedTarget(upstream.base, matched.suffix, matched.query);
      if (typeof confined === 'string') {
        exchange.failure = 'bad-path';
        return answerError(res, {
          status: 400,
          rpcCode: RPC.invalidRequest,
          code: 'BAD_PATH',
          server: upstream.name,
          message: `Path ${path} is refused: ${confined}`,
          hint: `Paths below the MCP endpoint stay below ${upstream.name}'s URL: no "." or ".." segments, encoded "/" or "\\", backslashes or "//", in any encoding`,
        }, null, idHeader);
      }
      target = confined;
    } else if (matched.kind === 'legacy-message') {
      target = options.legacy.target(new URLSearchParams(matched.query).get('session'), upstream);
      if (!target) {
        return answerError(res, {
          status: 404,
          rpcCode: RPC.routeNotFound,
          code: 'UNKNOWN_SSE_SESSION',
          server: upstream.name,
          message: `No open SSE stream for this message endpoint of "${upstream.name}"; it closed or never existed`,
          hint: 'Open the SSE stream again to get a new message endpoint',
        }, null, idHeader);
      }
    }

    readBody(req, maxBodyBytes, (error, body) => {
      if (error) {
        exchange.failure = error instanceof BodyTooLargeError ? 'body-too-large' : 'client-aborted';
        return refuseBody(res, error, upstream.name, idHeader, redact);
      }
      exchange.bytesIn = body.length;
      exchange.body = body.length > 0 ? body : undefined;
      options.recorder.inspect(exchange, req, body);
      const step: DispatchInput = {
        upstream,
        body,
        target: target ?? upstream.base,
        ...(matched.kind === 'legacy-sse' ? { legacyPrefix: matched.prefix } : {}),
      };
      // Most schemes sign at once; OAuth may first wait for a refresh in progress.
      const pending = upstream.signer?.prepare?.();
      if (!pending) return run(step);
      awaitCredential(pending, step);
    });

    /** Waits for a refresh in progress, no longer than the upstream's own timeout. */
    function awaitCredential(pending: Promise<void>, step: DispatchInput): void {
      const { upstream, body } = step;
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        exchange.failure = 'refresh-timeout';
        answerError(
          res,
          {
            status: 504,
            rpcCode: RPC.upstreamTimeout,
            code: 'TOKEN_REFRESH_TIMEOUT',
            server: upstream.name,
            message: `Refreshing the access token for "${upstream.name}" took longer than ${upstream.timeoutMs} ms`,
            hint: 'Run `mcp-auth-proxy doctor` to check the way to the authorization server',
          },
          requestIdOf(body),
          idHeader,
        );
      }, upstream.timeoutMs);
      timer.unref();
      pending.then(
        () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (!res.destroyed) run(step);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          if (!(error instanceof AppError)) return failRequest(res, logger, error, exchange.requestId);
          exchange.failure = error.code === 'LOGIN_REQUIRED' ? 'login-required' : 'no-credential';
          noCredential(res, exchange, error, redact);
        },
      );
    }

    function run(step: DispatchInput): void {
      try {
        if (step.legacyPrefix !== undefined) {
          if (!step.upstream.signer) return noCredential(res, exchange, step.upstream.credentialError, redact);
          return options.legacy.open(req, res, step.upstream, step.legacyPrefix, exchange);
        }
        dispatch(req, res, step, exchange);
      } catch (failure) {
        failRequest(res, logger, failure, exchange.requestId);
      }
    }
  } as Handler;
  /** POST {"server": NAME}: the credential of that server is read again; its new state is the answer. */
  function credentialz(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST') {
      return answerError(res, { status: 405, rpcCode: RPC.invalidRequest, code: 'METHOD_NOT_ALLOWED', message: '/credentialz takes POST only' }, null, { allow: 'POST' });
    }
    readBody(req, 4096, (error, body) => {
      if (error) return refuseBody(res, error, 'credentialz', {}, redact);
      let server: unknown;
      try {
        server = (JSON.parse(body.toString('utf8')) as { server?: unknown }).server;
      } catch {
        server = undefined;
      }
      if (typeof server !== 'string') {
        return answerError(res, { status: 400, rpcCode: RPC.invalidRequest, code: 'BAD_REQUEST', message: 'send {"server": "<name>"}' });
      }
      const pending = options.refreshCredential?.(server);
      if (!pending) return answerError(res, { status: 501, rpcCode: RPC.routeNotFound, code: 'NOT_OFFERED', message: 'this proxy does not re-read credentials on request; restart it' });
      pending.then(
        (report) => sendJson(res, report.status, report.body, redact),
        (failure: unknown) => failRequest(res, logger, failure),
      );
    });
  }

  handle.update = (next, routes, bodyLimit) => {
    upstreams = next;
    route = createRouter(routes);
    maxBodyBytes = bodyLimit;
  };
  return handle;

  /** strip → sign → forward, once the body is in hand. */
  function dispatch(req: IncomingMessage, res: ServerResponse, step: DispatchInput, exchange: Exchange): void {
    const { upstream, target, body } = step;
    const server = upstream.name;
    const method = exchange.method;
    if (!upstream.signer) {
      exchange.failure = 'no-credential';
      return noCredential(res, exchange, upstream.credentialError, redact);
    }
    // A copy of the agent's headers without its credentials, then what the proxy sets; the signer sees the result.
    const headers: OutgoingHttpHeaders = upstream.strip(req.headers);
    for (const name in upstream.staticHeaders) headers[name] = upstream.staticHeaders[name];
    headers.host = target.host;
    headers[REQUEST_ID_HEADER] = exchange.requestId;
    if (body.length > 0 || method === 'POST' || method === 'PUT' || method === 'PATCH') headers['content-length'] = String(body.length);
    try {
      const signed = upstream.signer.sign({
        method,
        url: target,
        headers: headers as Record<string, string>,
        identity: LOCAL_USER,
        ...(upstream.signer.needsBody ? { body } : {}),
      });
      for (const name in signed) headers[name] = signed[name];
    } catch (error) {
      exchange.failure = 'cannot-sign';
      options.metrics.signingFailure(server);
      answerError(res, {
        status: 400,
        rpcCode: RPC.invalidRequest,
        code: 'CANNOT_SIGN',
        server,
        message: error instanceof Error ? error.message : String(error),
      }, requestIdOf(body), { [REQUEST_ID_HEADER]: exchange.requestId });
      return;
    }
    exchange.target = target;
    exchange.headers = headers;
    forwarder.forward(req, res, exchange as ForwardedExchange);
  }
}

/** 503 naming the fix: the proxy itself holds no usable credential for this server. */
function noCredential(res: ServerResponse, exchange: Exchange, cause: AppError | undefined, redact: Redact): void {
  const server = (exchange.upstream as Upstream).name;
  sendProxyError(
    res,
    {
      status: 503,
      rpcCode: RPC.noCredential,
      code: cause?.code ?? 'CREDENTIAL_UNAVAILABLE',
      server,
      message: `mcp-auth-proxy has no usable credential for "${server}": ${cause?.message ?? 'unknown reason'}`,
      hint: cause?.hint ?? `Run \`mcp-auth-proxy login ${server}\``,
    },
    requestIdOf(exchange.body),
    { [REQUEST_ID_HEADER]: exchange.requestId },
    redact,
  );
}

interface DispatchInput {
  upstream: Upstream;
  body: Buffer;
  /**
   * Where the request goes, checked (confine.ts, or a legacy SSE message
   * endpoint): signed and sent as is. The common case (/mcp, no query) is the
   * parsed base URL itself: nothing below mutates it.
   */
  target: URL;
  /** Set for a legacy SSE stream request: the local path before /sse. */
  legacyPrefix?: string;
}

/** A bug below the handler: log it, answer 500 if we still can, never crash the daemon. */
export function failRequest(res: ServerResponse, logger: Logger, error: unknown, requestId?: string): void {
  logger.error('request failed', { requestId, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  if (!res.headersSent) res.writeHead(500).end();
  else res.destroy();
}

function refuseBody(res: ServerResponse, error: Error, server: string, headers: Record<string, string>, redact: Redact): void {
  if (!(error instanceof BodyTooLargeError)) {
    res.destroy();
    return;
  }
  // The rest of the body is unread: answer and close rather than drain it.
  sendProxyError(
    res,
    {
      status: 413,
      rpcCode: RPC.tooLarge,
      code: 'BODY_TOO_LARGE',
      server,
      message: `Request body is larger than ${error.limit} bytes`,
      hint: 'Raise maxBodyBytes in the config if this is expected',
    },
    null,
    { connection: 'close', ...headers },
    redact,
  );
}

function sendJson(res: ServerResponse, status: number, value: unknown, redact: Redact): void {
  sendOwnAnswer(res, status, { 'content-type': 'application/json', 'cache-control': 'no-store' }, redact(JSON.stringify(value)));
}

/** For `mcp-auth-proxy status`: per server, where it goes and how it went; never a secret. */
function statusOf(upstreams: Map<string, Upstream>, info: StatusInfo, metrics: ProxyMetrics) {
  const counters = metrics.headline();
  const servers: Record<string, unknown> = {};
  for (const [name, upstream] of upstreams) {
    servers[name] = {
      upstream: upstream.base.href,
      auth: upstream.config.auth.type,
      credential: upstream.signer ? 'present' : 'missing',
      ...(credentialDetails(upstream)),
      ...(upstream.credentialError ? { credentialError: { code: upstream.credentialError.code, message: upstream.credentialError.message, hint: upstream.credentialError.hint } } : {}),
      last: upstream.last ?? null,
      ...(counters[name] ? { counters: counters[name] } : {}),
    };
  }
  return { status: 'running', pid: process.pid, ...info, uptimeSeconds: Math.round((Date.now() - Date.parse(info.startedAt)) / 1000), servers };
}

/** Scheme details such as OAuth expiry and last refresh. */
function credentialDetails(upstream: Upstream): Record<string, unknown> {
  const details = upstream.signer?.state?.().details;
  return details ? { [upstream.config.auth.type]: details } : {};
}

function sendMetrics(res: ServerResponse, metrics: ProxyMetrics, logger: Logger): void {
  metrics.render().then(
    ({ contentType, body }) => {
      sendOwnAnswer(res, 200, { 'content-type': contentType, 'cache-control': 'no-store' }, body);
    },
    (error: unknown) => failRequest(res, logger, error),
  );
}

function sendReadiness(res: ServerResponse, upstreams: Map<string, Upstream>, accepting: boolean, redact: Redact): void {
  const servers: Record<string, { ready: boolean; reason?: string }> = {};
  let ready = accepting && upstreams.size > 0;
  for (const [name, upstream] of upstreams) {
    const state = credentialState(upstream);
    servers[name] = state.ready ? { ready: true } : { ready: false, reason: state.reason ?? 'no credential' };
    if (!state.ready) ready = false;
  }
  sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', accepting, servers }, redact);
}
