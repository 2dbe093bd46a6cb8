// The routes the proxy answers itself, beside the MCP ones: /healthz,
// /readyz, /statusz, /metrics, /credentialz (login and logout ask the daemon
// to read a credential again), and the OAuth discovery paths: a local 404
// (agents need no OAuth against a local proxy) or, in team mode with a jwt
// identity, this proxy's protected resource metadata. In team mode, what
// names upstreams and their state answers only callers on this machine.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger.js';
import type { ProxyMetrics } from '../observability/metrics.js';
import { BodyTooLargeError, readBody } from './body.js';
import type { TeamAccess } from './identify.js';
import { RPC, sendOwnAnswer, sendProxyError, type ProxyErrorBody, type Redact } from './jsonrpc-error.js';
import { credentialState, type AnyUpstream, type Upstream } from './upstreams.js';
import { commandStatus } from '../upstreams/stdio/status.js';

/** What /credentialz answers: the HTTP status and the server's credential state. */
export interface CredentialReport {
  status: number;
  body: Record<string, unknown>;
}

/** What /statusz reports about this process (read at each request: a reload updates it). */
export interface StatusInfo {
  version: string;
  startedAt: string;
  lastReload?: unknown;
}

export type LocalRoute = 'healthz' | 'readyz' | 'statusz' | 'metrics' | 'credentialz' | 'discovery';

export interface LocalRoutesOptions {
  upstreams: () => Map<string, AnyUpstream>;
  isReady: () => boolean;
  info: StatusInfo;
  metrics: ProxyMetrics;
  logger: Logger;
  redact: Redact;
  /** Team mode: who may see what, and the resource metadata. */
  team?: () => TeamAccess | undefined;
  /** Whether a local path is the MCP endpoint (or legacy SSE stream) of a configured server. */
  isEndpoint: (path: string) => boolean;
  /** Reads one server's credential again (POST /credentialz); absent: not offered. */
  refreshCredential?: (server: string) => Promise<CredentialReport> | undefined;
}

export type LocalRoutes = (route: LocalRoute, req: IncomingMessage, res: ServerResponse, path: string) => void;

export function createLocalRoutes(options: LocalRoutesOptions): LocalRoutes {
  const { redact, logger } = options;
  const answerError = (res: ServerResponse, error: ProxyErrorBody) => sendProxyError(res, error, null, {}, redact);

  return (route, req, res, path) => {
    const team = options.team?.();
    // Team mode: upstream names, URLs, credential state and counters are for the operator on this machine only.
    const local = !team || team.isLocal(req);
    if (!local && (route === 'statusz' || route === 'metrics' || route === 'credentialz')) {
      return answerError(res, { status: 403, rpcCode: RPC.forbidden, code: 'LOCAL_ONLY', message: `${path} answers only on the machine the proxy runs on` });
    }
    switch (route) {
      case 'healthz':
        return sendJson(res, 200, { status: 'ok' }, redact);
      case 'readyz':
        return sendReadiness(res, options.upstreams(), options.isReady(), local, redact);
      case 'statusz':
        return team
          ? void team.describe().then(
              (identity) => sendJson(res, 200, { ...statusOf(options.upstreams(), options.info, options.metrics), mode: 'team', publicUrl: team.publicBase, identity }, redact),
              (error: unknown) => failAnswer(res, logger, error),
            )
          : sendJson(res, 200, statusOf(options.upstreams(), options.info, options.metrics), redact);
      case 'metrics':
        return sendMetrics(res, options.metrics, logger);
      case 'credentialz':
        return credentialz(req, res);
      case 'discovery': {
        const metadata = team?.metadata(path, options.isEndpoint);
        if (metadata) {
          if (req.method !== 'GET' && req.method !== 'HEAD') return answerError(res, { status: 405, rpcCode: RPC.invalidRequest, code: 'METHOD_NOT_ALLOWED', message: `${path} takes GET only` });
          return sendJson(res, 200, metadata, redact, 'public, max-age=300');
        }
        return answerError(res, team
          ? { status: 404, rpcCode: RPC.routeNotFound, code: 'NOT_FOUND', message: `Nothing at ${path}; this proxy's resource metadata is at /.well-known/oauth-protected-resource/{server}/mcp` }
          : { status: 404, rpcCode: RPC.routeNotFound, code: 'NOT_AN_AUTHORIZATION_SERVER', message: 'mcp-auth-proxy handles authorization itself; agents need no OAuth against it' });
      }
    }
  };

  /** POST {"server": NAME}: the credential of that server is read again; its new state is the answer. */
  function credentialz(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST') {
      return sendProxyError(res, { status: 405, rpcCode: RPC.invalidRequest, code: 'METHOD_NOT_ALLOWED', message: '/credentialz takes POST only' }, null, { allow: 'POST' }, redact);
    }
    readBody(req, 4096, (error, body) => {
      if (error instanceof BodyTooLargeError) {
        return sendProxyError(res, { status: 413, rpcCode: RPC.tooLarge, code: 'BODY_TOO_LARGE', server: 'credentialz', message: `Request body is larger than ${error.limit} bytes` }, null, { connection: 'close' }, redact);
      }
      if (error) return res.destroy();
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
        (failure: unknown) => failAnswer(res, logger, failure),
      );
    });
  }
}

function failAnswer(res: ServerResponse, logger: Logger, error: unknown): void {
  logger.error('request failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  if (!res.headersSent) res.writeHead(500).end();
  else res.destroy();
}

function sendJson(res: ServerResponse, status: number, value: unknown, redact: Redact, cache = 'no-store'): void {
  sendOwnAnswer(res, status, { 'content-type': 'application/json', 'cache-control': cache }, redact(JSON.stringify(value)));
}

/** For `mcp-auth-proxy status`: per server, where it goes and how it went; never a secret. */
function statusOf(upstreams: Map<string, AnyUpstream>, info: StatusInfo, metrics: ProxyMetrics) {
  const counters = metrics.headline();
  const servers: Record<string, unknown> = {};
  for (const [name, upstream] of upstreams) {
    if (upstream.kind === 'command') {
      servers[name] = { ...commandStatus(upstream), ...(counters[name] ? { counters: counters[name] } : {}) };
      continue;
    }
    servers[name] = {
      upstream: upstream.base.href,
      auth: upstream.config.auth.type,
      credential: upstream.signer ? 'present' : 'missing',
      ...credentialDetails(upstream),
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
    (error: unknown) => failAnswer(res, logger, error),
  );
}

/** Callers beyond this machine (team mode) learn only whether the proxy is ready, not which servers lack what. */
function sendReadiness(res: ServerResponse, upstreams: Map<string, AnyUpstream>, accepting: boolean, detailed: boolean, redact: Redact): void {
  const servers: Record<string, { ready: boolean; reason?: string }> = {};
  let ready = accepting && upstreams.size > 0;
  for (const [name, upstream] of upstreams) {
    const state = credentialState(upstream);
    servers[name] = state.ready ? { ready: true } : { ready: false, reason: state.reason ?? 'no credential' };
    if (!state.ready) ready = false;
  }
  sendJson(res, ready ? 200 : 503, detailed ? { status: ready ? 'ready' : 'not ready', accepting, servers } : { status: ready ? 'ready' : 'not ready' }, redact);
}
