// The request path as a short list of named steps:
// guard → route (local routes answer here) → confine → identify (team mode)
// → read body → strip → sign → forward (→ relay in forward.ts).
// Each step either hands on or answers the request itself. A command server
// (src/upstreams/stdio/) takes the request after the body step, in place of
// strip → sign → forward.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { LOCAL_USER, signedNow, type Signer } from '../auth/scheme.js';
import { AppError } from '../errors.js';
import { LOCAL_PRINCIPAL, type Principal } from '../identity/principal.js';
import type { Logger } from '../observability/logger.js';
import type { ProxyMetrics } from '../observability/metrics.js';
import { REQUEST_ID_HEADER, requestIdFrom } from '../observability/request-id.js';
import { BodyTooLargeError, readBody } from './body.js';
import { confinedTarget } from './confine.js';
import { Exchange, type ForwardedExchange } from './exchange.js';
import type { Forwarder } from './forward.js';
import type { Guard } from './guard.js';
import type { TeamAccess, Verdict } from './identify.js';
import { asRefusal, refusalError } from './refusal.js';
import type { LegacySse } from './legacy-sse.js';
import { RPC, requestIdOf, sendOwnAnswer, sendProxyError, type ProxyErrorBody, type Redact } from './jsonrpc-error.js';
import { createLocalRoutes, type CredentialReport, type StatusInfo } from './local-routes.js';
import type { Policy } from '../policy/compile.js';
import { checkPolicy, HEADER_MISMATCH, streamRewrite } from './policy-step.js';
import type { Recorder } from './record.js';
import { createRouter, type Route, type RouteTable } from './routes.js';
import type { AnyUpstream, Upstream } from './upstreams.js';
import { serveCommand, type CommandHost } from '../upstreams/stdio/endpoint.js';

export type { CredentialReport } from './local-routes.js';

export interface HandlerOptions {
  guard: Guard;
  routes: RouteTable;
  upstreams: Map<string, AnyUpstream>;
  forwarder: Forwarder;
  /** What command servers need from the listener (stream tracking for shutdown and the gauge). */
  commandHost: CommandHost;
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
  info: StatusInfo;
  /** Takes known secret values out of every answer the proxy writes itself (error messages can quote them). */
  redact?: Redact;
  /** Reads one server's credential again (POST /credentialz, sent by login and logout); absent: not offered. */
  refreshCredential?: (server: string) => Promise<CredentialReport> | undefined;
  /** The policy in force (read at each request: a reload may replace it); absent or undefined: none. */
  policy?: () => Policy | undefined;
  /** Team mode: who the caller is (read at each request: a reload may replace it). Absent: local mode. */
  team?: () => TeamAccess | undefined;
}

const MCP_METHODS = new Set(['GET', 'POST', 'DELETE']);

export interface Handler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** Swaps in new servers (a reload): requests from now on use them; in-flight ones keep theirs. */
  update(upstreams: Map<string, AnyUpstream>, routes: RouteTable, maxBodyBytes: number): void;
}

export function createHandler(options: HandlerOptions): Handler {
  const { guard, forwarder, logger } = options;
  const redact = options.redact ?? ((text: string) => text);
  const answerError = (res: ServerResponse, error: ProxyErrorBody, id?: unknown, headers?: Record<string, string>) => sendProxyError(res, error, id, headers, redact);
  let upstreams = options.upstreams;
  let route = createRouter(options.routes);
  let maxBodyBytes = options.maxBodyBytes;
  const team = options.team ?? (() => undefined);
  const local = createLocalRoutes({
    upstreams: () => upstreams,
    isReady: options.isReady,
    info: options.info,
    metrics: options.metrics,
    logger,
    redact,
    team,
    isEndpoint: (path) => {
      const matched = route(path);
      return (matched.kind === 'mcp' && matched.suffix === '') || matched.kind === 'legacy-sse';
    },
    ...(options.refreshCredential ? { refreshCredential: options.refreshCredential } : {}),
  });

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
      case 'readyz':
      case 'statusz':
      case 'metrics':
      case 'credentialz':
      case 'discovery':
        return local(matched.kind, req, res, path);
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
    const upstream = upstreams.get(matched.server) as AnyUpstream;
    exchange.upstream = upstream;
    const command = upstream.kind === 'command';
    // Proxy-made answers on this route carry the id too; forwarded ones get it in the relay.
    const idHeader = { [REQUEST_ID_HEADER]: exchange.requestId };
    let target: URL | undefined;
    // MCP uses GET, POST and DELETE only; anything else (TRACE would echo the signed credential) stops here.
    const wanted = matched.kind === 'legacy-sse' ? 'GET' : matched.kind === 'legacy-message' ? 'POST' : MCP_METHODS.has(method) ? undefined : 'GET, POST, DELETE';
    if (wanted && method !== wanted) {
      return answerError(res, { status: 405, rpcCode: RPC.invalidRequest, code: 'METHOD_NOT_ALLOWED', server: upstream.name, message: `${path} takes ${wanted} only` }, null, { allow: wanted, ...idHeader });
    }
    if (command && (matched.kind !== 'mcp' || matched.suffix !== '')) {
      // A command server has its one endpoint; nothing lies below it, and it has no legacy SSE pair.
      return answerError(res, { status: 404, rpcCode: RPC.routeNotFound, code: 'NOT_FOUND', server: upstream.name, message: `Nothing at ${path}: "${upstream.name}" is a command server, served at /${upstream.name}/mcp only` }, null, idHeader);
    }
    if (matched.kind === 'mcp' && !command) {
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
    }

    const access = team();
    if (!access) return afterIdentity(undefined);
    const verdict = access.identify(req, endpointOf(matched, path));
    if (!(verdict instanceof Promise)) return callerKnown(access, verdict);
    verdict.then(
      (settled) => (res.destroyed ? undefined : callerKnown(access, settled)),
      (error: unknown) => failRequest(res, logger, error, exchange.requestId),
    );

    /** Team mode: the verdict of the identity step; a refusal is answered here (slowed after repeated ones), never forwarded. */
    function callerKnown(access: TeamAccess, verdict: Verdict): void {
      if ('refusal' in verdict) {
        exchange.failure = 'caller-refused';
        const answer = () => {
          if (res.destroyed) return;
          answerError(res, refusalError(verdict.refusal, upstream.name), null, { ...idHeader, ...(verdict.challenge ? { 'www-authenticate': verdict.challenge } : {}) });
        };
        if (verdict.delayMs === 0) return answer();
        setTimeout(answer, verdict.delayMs).unref();
        return;
      }
      const { principal } = verdict;
      exchange.principal = principal;
      const session = req.headers['mcp-session-id'];
      const sessionId = typeof session === 'string' ? session : undefined;
      const refusal = access.sessionRefusal(upstream.name, sessionId, principal);
      if (refusal) {
        exchange.failure = 'caller-refused';
        return answerError(res, refusalError(refusal, upstream.name), null, idHeader);
      }
      // Forgotten only once the upstream ended it: a refused DELETE (405) leaves the session alive, and still the caller's.
      if (sessionId !== undefined && method === 'DELETE') res.once('finish', () => res.statusCode < 300 && access.endSession(upstream.name, sessionId));
      // The relay records who owns a session the upstream issues in its answer.
      exchange.sessions = access;
      afterIdentity(principal);
    }

    /** The legacy message endpoint (its session belongs to one caller), then the body. */
    function afterIdentity(principal: Principal | undefined): void {
      if (matched.kind === 'legacy-message' && !command) {
        target = options.legacy.target(new URLSearchParams(matched.query).get('session'), upstream, principal?.user);
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
        const policy = options.policy?.();
        if (policy && body.length > 0) {
          const forwarded = applyPolicy(policy, principal, body);
          if (!forwarded) return;
          body = forwarded;
        } else if (policy && method === 'GET' && matched.kind === 'mcp') exchange.rewrite = streamRewrite(policy, principal ?? LOCAL_PRINCIPAL, upstream.name);
        exchange.body = body.length > 0 ? body : undefined;
        options.recorder.inspect(exchange, req, body);
        if (upstream.kind === 'command') {
          try {
            return serveCommand(upstream, req, res, exchange, body, options.commandHost);
          } catch (failure) {
            return failRequest(res, logger, failure, exchange.requestId);
          }
        }
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
    }

    /** The policy step: the body to forward, or undefined when the request was answered here. */
    function applyPolicy(policy: Policy, principal: Principal | undefined, body: Buffer): Buffer | undefined {
      const verdict = checkPolicy(policy, principal ?? LOCAL_PRINCIPAL, upstream.name, req.headers, body);
      if (verdict.kind === 'forward') {
        if (verdict.envelope) exchange.rpc = verdict.envelope;
        if (verdict.denied) exchange.denied = verdict.denied;
        if (verdict.rewrite && matched.kind === 'mcp') exchange.rewrite = verdict.rewrite;
        // A legacy message endpoint's answers come on its stream: the stream filters them.
        else if (verdict.rewrite && matched.kind === 'legacy-message') options.legacy.expect(legacyToken(), verdict.rewrite);
        return verdict.body;
      }
      exchange.body = body;
      if (verdict.kind === 'mismatch') {
        exchange.failure = 'header-mismatch';
        answerError(res, { status: 400, rpcCode: HEADER_MISMATCH, code: 'HEADER_MISMATCH', server: upstream.name, message: verdict.message }, verdict.id, idHeader);
        return undefined;
      }
      if (verdict.kind === 'malformed') {
        exchange.failure = 'bad-json';
        answerError(res, { status: 400, rpcCode: RPC.parseError, code: 'PARSE_ERROR', server: upstream.name, message: 'The body is not a JSON-RPC message or batch the policy can read' }, null, idHeader);
        return undefined;
      }
      exchange.failure = 'policy-denied';
      exchange.denied = verdict.denied;
      if (verdict.envelope) exchange.rpc = verdict.envelope;
      if (!verdict.answer) {
        res.writeHead(202, idHeader).end();
        return undefined;
      }
      // A legacy message endpoint answers on its stream, as the upstream would (the POST itself gets 202).
      if (matched.kind === 'legacy-message' && options.legacy.expect(legacyToken(), { denied: [Buffer.from(redact(verdict.answer.toString('utf8')))] })) {
        res.writeHead(202, idHeader).end('Accepted');
        return undefined;
      }
      sendOwnAnswer(res, matched.kind === 'legacy-message' ? 403 : 200, { 'content-type': 'application/json', 'cache-control': 'no-store', ...idHeader }, redact(verdict.answer.toString('utf8')));
      return undefined;
    }

    function legacyToken(): string | null {
      return new URLSearchParams(matched.kind === 'legacy-message' ? matched.query : '').get('session');
    }

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
    // An answer the policy rewrites must come in plain bytes.
    if (exchange.rewrite) headers['accept-encoding'] = 'identity';
    if (body.length > 0 || method === 'POST' || method === 'PUT' || method === 'PATCH') headers['content-length'] = String(body.length);
    exchange.target = target;
    exchange.headers = headers;
    const cannotSign = (error: unknown) => {
      const refusal = asRefusal(error);
      if (refusal) {
        // A server that acts as its caller refused this one (not signed in, or outside allowDomains): never forwarded.
        exchange.failure = 'caller-refused';
        return answerError(res, refusalError(refusal, server), requestIdOf(body), { [REQUEST_ID_HEADER]: exchange.requestId });
      }
      exchange.failure = 'cannot-sign';
      options.metrics.signingFailure(server);
      if (error instanceof AppError && error.code !== 'BAD_PATH') return noCredential(res, exchange, error, redact);
      answerError(res, {
        status: 400,
        rpcCode: RPC.invalidRequest,
        code: 'CANNOT_SIGN',
        server,
        message: error instanceof Error ? error.message : String(error),
      }, requestIdOf(body), { [REQUEST_ID_HEADER]: exchange.requestId });
    };
    let signed: ReturnType<Signer['sign']>;
    try {
      signed = upstream.signer.sign({
        method,
        url: target,
        headers: headers as Record<string, string>,
        identity: exchange.principal ?? LOCAL_USER,
        ...(upstream.signer.needsBody ? { body } : {}),
      });
    } catch (error) {
      return cannotSign(error);
    }
    if (signedNow(signed)) {
      for (const name in signed) headers[name] = signed[name];
      return forwarder.forward(req, res, exchange as ForwardedExchange);
    }
    // SigV4's library signs asynchronously: the request goes once its headers are in.
    signed.then((later) => {
      if (res.destroyed) return;
      for (const name in later) headers[name] = later[name];
      forwarder.forward(req, res, exchange as ForwardedExchange);
    }, cannotSign);
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

/** The local path of the MCP endpoint a request is for (e.g. /glean/mcp): the resource a caller's token names. */
function endpointOf(matched: Extract<Route, { kind: 'mcp' | 'legacy-sse' | 'legacy-message' }>, path: string): string {
  if (matched.kind === 'mcp') return path.slice(0, path.length - matched.suffix.length);
  if (matched.kind === 'legacy-sse') return path;
  return `${path.slice(0, path.length - 'messages'.length)}sse`;
}
