// The request path as a short list of named steps:
// guard → route → read body → strip → sign → forward (→ relay in forward.ts).
// Each step either hands on or answers the request itself.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LOCAL_USER } from '../auth/scheme.js';
import { AppError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { BodyTooLargeError, readBody } from './body.js';
import type { Exchange, Forwarder } from './forward.js';
import type { Guard } from './guard.js';
import type { LegacySse } from './legacy-sse.js';
import { RPC, requestIdOf, sendProxyError } from './jsonrpc-error.js';
import { createRouter, type RouteTable } from './routes.js';
import { credentialState, type Upstream } from './upstreams.js';

export interface HandlerOptions {
  guard: Guard;
  routes: RouteTable;
  upstreams: Map<string, Upstream>;
  forwarder: Forwarder;
  logger: Logger;
  maxBodyBytes: number;
  /** Whether the proxy still accepts work (false while draining). */
  isReady: () => boolean;
  /** Legacy HTTP+SSE streams and their message endpoints. */
  legacy: LegacySse;
  /** What /statusz reports about this process (read at each request: a reload updates it). */
  info: { version: string; startedAt: string; lastReload?: unknown };
}

const MCP_METHODS = new Set(['GET', 'POST', 'DELETE']);

export interface Handler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** Swaps in new servers (a reload): requests from now on use them; in-flight ones keep theirs. */
  update(upstreams: Map<string, Upstream>, routes: RouteTable, maxBodyBytes: number): void;
}

export function createHandler(options: HandlerOptions): Handler {
  const { guard, forwarder, logger } = options;
  let upstreams = options.upstreams;
  let route = createRouter(options.routes);
  let maxBodyBytes = options.maxBodyBytes;

  const handle = function handle(req: IncomingMessage, res: ServerResponse): void {
    const startedAt = Date.now();
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?', 1)[0] as string;
    let server: string | undefined;
    let exchange: Exchange | undefined;
    let failure: string | undefined;
    res.once('close', () => {
      if (exchange?.timer) clearTimeout(exchange.timer);
      logger.info('request', {
        server,
        method,
        path,
        status: res.statusCode,
        upstreamStatus: exchange?.upstreamStatus,
        durationMs: Date.now() - startedAt,
        ...(exchange?.failure || failure ? { failure: exchange?.failure ?? failure } : {}),
      });
    });

    const rejection = guard.check(req);
    if (rejection) {
      // Closed after the answer: a refused caller cannot keep connection slots.
      sendProxyError(res, { status: rejection.status, rpcCode: RPC.forbidden, code: rejection.code, message: rejection.message }, null, { connection: 'close' });
      return;
    }

    if (method === 'OPTIONS') {
      // No CORS: a browser preflight gets no Access-Control-* headers, so no page may call the proxy.
      res.writeHead(204, { allow: 'GET, POST, DELETE', 'cache-control': 'no-store' }).end();
      return;
    }
    const matched = route(req.url ?? '/');
    switch (matched.kind) {
      case 'healthz':
        return sendJson(res, 200, { status: 'ok' });
      case 'readyz':
        return sendReadiness(res, upstreams, options.isReady());
      case 'statusz':
        return sendJson(res, 200, statusOf(upstreams, options.info));
      case 'discovery':
        return sendProxyError(res, {
          status: 404,
          rpcCode: RPC.routeNotFound,
          code: 'NOT_AN_AUTHORIZATION_SERVER',
          message: 'mcp-auth-proxy handles authorization itself; agents need no OAuth against it',
        });
      case 'no-default':
        return sendProxyError(res, {
          status: 404,
          rpcCode: RPC.routeNotFound,
          code: 'NO_DEFAULT_SERVER',
          message: `/mcp needs a default server; use /{server}/mcp with one of: ${matched.servers.join(', ') || '(none configured)'}`,
          hint: 'Or set "defaultServer" in the config',
        });
      case 'unknown-server':
        return sendProxyError(res, {
          status: 404,
          rpcCode: RPC.routeNotFound,
          code: 'UNKNOWN_SERVER',
          message: `No server named "${matched.server}"; configured: ${matched.servers.join(', ') || '(none)'}`,
        });
      case 'bad-path':
        return sendProxyError(res, { status: 400, rpcCode: RPC.invalidRequest, code: 'BAD_PATH', message: matched.message });
      case 'not-found':
        return sendProxyError(res, {
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
    server = matched.server;
    const upstream = upstreams.get(matched.server) as Upstream;
    let target: URL | undefined;
    // MCP uses GET, POST and DELETE only; anything else (TRACE would echo the signed credential) stops here.
    const wanted = matched.kind === 'legacy-sse' ? 'GET' : matched.kind === 'legacy-message' ? 'POST' : MCP_METHODS.has(method) ? undefined : 'GET, POST, DELETE';
    if (wanted && method !== wanted) {
      return sendProxyError(res, { status: 405, rpcCode: RPC.invalidRequest, code: 'METHOD_NOT_ALLOWED', server: upstream.name, message: `${path} takes ${wanted} only` }, null, { allow: wanted });
    }
    if (matched.kind === 'legacy-message') {
      target = options.legacy.target(new URLSearchParams(matched.query).get('session'), upstream);
      if (!target) {
        return sendProxyError(res, {
          status: 404,
          rpcCode: RPC.routeNotFound,
          code: 'UNKNOWN_SSE_SESSION',
          server: upstream.name,
          message: `No open SSE stream for this message endpoint of "${upstream.name}"; it closed or never existed`,
          hint: 'Open the SSE stream again to get a new message endpoint',
        });
      }
    }

    readBody(req, maxBodyBytes, (error, body) => {
      if (error) return refuseBody(res, error, upstream.name);
      const step: DispatchInput = {
        upstream,
        suffix: matched.kind === 'mcp' ? matched.suffix : '',
        query: matched.kind === 'mcp' ? matched.query : '',
        body,
        startedAt,
        ...(target ? { target } : {}),
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
        failure = 'refresh-timeout';
        sendProxyError(
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
          if (!(error instanceof AppError)) return failRequest(res, logger, error);
          failure = error.code === 'LOGIN_REQUIRED' ? 'login-required' : 'no-credential';
          noCredential(res, upstream.name, error, body);
        },
      );
    }

    function run(step: DispatchInput): void {
      try {
        if (step.legacyPrefix !== undefined) {
          if (!step.upstream.signer) return noCredential(res, step.upstream.name, step.upstream.credentialError, step.body);
          return options.legacy.open(req, res, step.upstream, step.legacyPrefix);
        }
        exchange = dispatch(req, res, step);
      } catch (failure) {
        failRequest(res, logger, failure);
      }
    }
  } as Handler;
  handle.update = (next, routes, bodyLimit) => {
    upstreams = next;
    route = createRouter(routes);
    maxBodyBytes = bodyLimit;
  };
  return handle;

  /** strip → sign → forward, once the body is in hand. Returns the exchange when forwarded. */
  function dispatch(req: IncomingMessage, res: ServerResponse, step: DispatchInput): Exchange | undefined {
    const { upstream, suffix, query, body, startedAt } = step;
    const server = upstream.name;
    const method = req.method ?? 'GET';
    if (!upstream.signer) {
      noCredential(res, server, upstream.credentialError, body);
      return undefined;
    }

    // http-proxy-3 builds the upstream request from req.headers: hand it the stripped copy.
    req.headers = upstream.strip(req.headers);
    // The common case (/mcp, no query) reuses the parsed base URL: nothing below mutates it.
    const target = step.target ?? (suffix === '' && query === '' ? upstream.base : upstreamUrl(upstream.base, suffix, query));
    let signed: Record<string, string>;
    try {
      signed = upstream.signer.sign({
        method,
        url: target,
        headers: req.headers,
        identity: LOCAL_USER,
        ...(upstream.signer.needsBody ? { body } : {}),
      });
    } catch (error) {
      sendProxyError(res, {
        status: 400,
        rpcCode: RPC.invalidRequest,
        code: 'CANNOT_SIGN',
        server,
        message: error instanceof Error ? error.message : String(error),
      });
      return undefined;
    }
    const headers: Record<string, string> = { ...upstream.staticHeaders, ...signed };
    if (body.length > 0 || method === 'POST' || method === 'PUT' || method === 'PATCH') headers['content-length'] = String(body.length);
    const exchange: Exchange = { upstream, target, headers, body: body.length > 0 ? body : undefined, startedAt };
    forwarder.forward(req, res, exchange);
    return exchange;
  }
}

/** 503 naming the fix: the proxy itself holds no usable credential for this server. */
function noCredential(res: ServerResponse, server: string, cause: AppError | undefined, body: Buffer): void {
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
    requestIdOf(body),
  );
}

interface DispatchInput {
  upstream: Upstream;
  suffix: string;
  query: string;
  body: Buffer;
  startedAt: number;
  /** An explicit upstream URL (a legacy SSE message endpoint) instead of base + suffix + query. */
  target?: URL;
  /** Set for a legacy SSE stream request: the local path before /sse. */
  legacyPrefix?: string;
}

/** A bug below the handler: log it, answer 500 if we still can, never crash the daemon. */
export function failRequest(res: ServerResponse, logger: Logger, error: unknown): void {
  logger.error('request failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  if (!res.headersSent) res.writeHead(500).end();
  else res.destroy();
}

function refuseBody(res: ServerResponse, error: Error, server: string): void {
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
    { connection: 'close' },
  );
}

/** The URL the upstream receives: its own base path, the route suffix, the query as sent. */
export function upstreamUrl(base: URL, suffix: string, query: string): URL {
  const url = new URL(base.href);
  const basePath = base.pathname.endsWith('/') && suffix.startsWith('/') ? base.pathname.slice(0, -1) : base.pathname;
  url.pathname = basePath + suffix;
  if (query) url.search = base.search ? `${base.search}&${query.slice(1)}` : query;
  return url;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

/** For `mcp-auth-proxy status`: per server, where it goes and how it went; never a secret. */
function statusOf(upstreams: Map<string, Upstream>, info: HandlerOptions['info']) {
  const servers: Record<string, unknown> = {};
  for (const [name, upstream] of upstreams) {
    servers[name] = {
      upstream: upstream.base.href,
      auth: upstream.config.auth.type,
      credential: upstream.signer ? 'present' : 'missing',
      ...(credentialDetails(upstream)),
      ...(upstream.credentialError ? { credentialError: { code: upstream.credentialError.code, message: upstream.credentialError.message, hint: upstream.credentialError.hint } } : {}),
      last: upstream.last ?? null,
    };
  }
  return { status: 'running', pid: process.pid, ...info, uptimeSeconds: Math.round((Date.now() - Date.parse(info.startedAt)) / 1000), servers };
}

/** Scheme details such as OAuth expiry and last refresh. */
function credentialDetails(upstream: Upstream): Record<string, unknown> {
  const details = upstream.signer?.state?.().details;
  return details ? { [upstream.config.auth.type]: details } : {};
}

function sendReadiness(res: ServerResponse, upstreams: Map<string, Upstream>, accepting: boolean): void {
  const servers: Record<string, { ready: boolean; reason?: string }> = {};
  let ready = accepting && upstreams.size > 0;
  for (const [name, upstream] of upstreams) {
    const state = credentialState(upstream);
    servers[name] = state.ready ? { ready: true } : { ready: false, reason: state.reason ?? 'no credential' };
    if (!state.ready) ready = false;
  }
  sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', accepting, servers });
}
