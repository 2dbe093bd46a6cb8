// Prometheus metrics (prom-client) for /metrics, and the headline counters
// `status` shows. Label values are bounded: servers come from the config,
// JSON-RPC methods from the MCP method list (anything else is "other"), so
// no agent can grow the series without limit. One registry per proxy,
// loaded at the first scrape (see createMetrics).

import { HistogramSeries, Series, type HistogramCell } from './series.js';

/** Why a request never got an upstream answer (or lost it midway). */
export type UpstreamErrorKind = 'refused' | 'reset' | 'timeout' | 'dns' | 'tls' | 'closed-early' | 'other';

export interface ServerCounters {
  requests: number;
  /** Answers with status 5xx (the proxy's own 502/503/504 included). */
  errors: number;
  upstreamErrors: number;
  openStreams: number;
  signingFailures: number;
  credentialRejections: number;
  tokenRefreshes: number;
  tokenRefreshFailures: number;
}

export interface ProxyMetrics {
  /** One finished request: HTTP status sent to the agent, seconds to the upstream's first byte (if any) and in total. */
  request(server: string, rpcMethod: string | undefined, status: number, firstByteSeconds: number | undefined, totalSeconds: number | undefined): void;
  upstreamError(server: string, kind: UpstreamErrorKind): void;
  streamOpened(server: string): void;
  streamClosed(server: string): void;
  signingFailure(server: string): void;
  /** The upstream answered 401/403 to our credential. */
  credentialRejected(server: string, status: number): void;
  tokenRefresh(server: string, ok: boolean): void;
  /** A call the policy refused, by server and the rule that decided ("default" when none did): both bounded by the config. */
  policyDenied(server: string, rule: string): void;
  /** Team mode: one verdict of the identity step, by method ("none" when no method recognised the request) and result. */
  authentication(method: string, result: 'ok' | 'refused'): void;
  /** A command server's process started (a restart included), exited on its own, or ended (either way). */
  childStarted(server: string): void;
  childCrashed(server: string): void;
  childExited(server: string): void;
  /** Per-server headline counters for `status`. */
  headline(): Record<string, ServerCounters>;
  render(): Promise<{ contentType: string; body: string }>;
}

/** JSON-RPC methods of MCP (2024-11-05 to 2026-07-28) used as label values; others count as "other". */
const MCP_METHODS = new Set([
  'initialize', 'ping', 'tools/list', 'tools/call', 'resources/list', 'resources/templates/list', 'resources/read',
  'resources/subscribe', 'resources/unsubscribe', 'prompts/list', 'prompts/get', 'completion/complete', 'logging/setLevel',
  'roots/list', 'sampling/createMessage', 'elicitation/create', 'tasks/get', 'tasks/list', 'tasks/result', 'tasks/cancel',
  'notifications/initialized', 'notifications/cancelled', 'notifications/progress', 'notifications/message',
  'notifications/roots/list_changed', 'notifications/elicitation/complete', 'notifications/tasks/status',
]);

/** The label value for a request's JSON-RPC method ("none" for GET streams, DELETE and posted responses). */
export function methodLabel(rpcMethod: string | undefined): string {
  if (rpcMethod === undefined) return 'none';
  return MCP_METHODS.has(rpcMethod) || rpcMethod === 'batch' ? rpcMethod : 'other';
}

/** Maps a Node/network error code to the kind counted in mcp_proxy_upstream_errors_total. */
export function upstreamErrorKind(code: string | undefined): UpstreamErrorKind {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  if (code === 'UPSTREAM_TIMEOUT' || code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code !== undefined && (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || code.includes('CERT'))) return 'tls';
  return 'other';
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Counts are kept in plain series (series.ts) on the request path; prom-client
 * loads at the first scrape to provide the registry, the exposition text and
 * the process metrics (which start collecting then). A daemon nobody scrapes
 * never loads it, and no request pays for hashing label objects.
 */
export function createMetrics(options: { processMetrics?: boolean } = {}): ProxyMetrics {
  const series = {
    requests: new Series('mcp_proxy_requests_total', 'Requests answered, by server, JSON-RPC method and HTTP status', 'counter', ['server', 'rpc_method', 'status']),
    firstByte: new HistogramSeries('mcp_proxy_upstream_first_byte_seconds', 'Time from the request to the upstream response headers', ['server', 'rpc_method'], LATENCY_BUCKETS),
    total: new HistogramSeries('mcp_proxy_request_duration_seconds', 'Time from the request to the last byte of the answer (POST and DELETE; GET streams are not latency)', ['server', 'rpc_method'], LATENCY_BUCKETS),
    upstreamErrors: new Series('mcp_proxy_upstream_errors_total', 'Requests the upstream did not answer, or stopped answering, by kind', 'counter', ['server', 'kind']),
    streams: new Series('mcp_proxy_open_streams', 'SSE streams open through the proxy now', 'gauge', ['server']),
    signing: new Series('mcp_proxy_signing_failures_total', 'Requests the proxy could not sign', 'counter', ['server']),
    rejected: new Series('mcp_proxy_credential_rejections_total', 'Upstream 401/403 answers to the proxy credential', 'counter', ['server', 'status']),
    refreshes: new Series('mcp_proxy_token_refreshes_total', 'OAuth token refresh attempts, by result', 'counter', ['server', 'result']),
    denials: new Series('mcp_proxy_policy_denials_total', 'Calls the policy refused, by server and the rule that decided', 'counter', ['server', 'rule']),
    // By method and result only: no per-user label (a label per caller would grow without bound and name people).
    authentications: new Series('mcp_proxy_authentications_total', 'Team mode: callers identified or refused, by identity method and result', 'counter', ['method', 'result']),
    childStarts: new Series('mcp_proxy_child_starts_total', 'Command server processes started (restarts included)', 'counter', ['server']),
    childCrashes: new Series('mcp_proxy_child_crashes_total', 'Command server processes that exited without being asked to', 'counter', ['server']),
    children: new Series('mcp_proxy_children', 'Command server processes running now', 'gauge', ['server']),
  };
  let registry: Promise<import('prom-client').Registry> | undefined;
  const load = async () => {
    const { Registry, collectDefaultMetrics } = await import('prom-client');
    const created = new Registry();
    if (options.processMetrics !== false) collectDefaultMetrics({ register: created });
    // The series give the registry what its own metrics would (name, help, type, get()).
    for (const metric of Object.values(series)) created.registerMetric(metric as unknown as Parameters<typeof created.registerMetric>[0]);
    return created;
  };

  /** The headline counters, summed from the series (only servers that have any). */
  const headline = (): Record<string, ServerCounters> => {
    const counters: Record<string, ServerCounters> = {};
    const of = (labels: Readonly<Record<string, string | number>>): ServerCounters =>
      (counters[labels.server as string] ??= { requests: 0, errors: 0, upstreamErrors: 0, openStreams: 0, signingFailures: 0, credentialRejections: 0, tokenRefreshes: 0, tokenRefreshFailures: 0 });
    series.requests.each((labels, n) => {
      of(labels).requests += n;
      if (Number(labels.status) >= 500) of(labels).errors += n;
    });
    series.upstreamErrors.each((labels, n) => void (of(labels).upstreamErrors += n));
    series.streams.each((labels, n) => void (of(labels).openStreams += n));
    series.signing.each((labels, n) => void (of(labels).signingFailures += n));
    series.rejected.each((labels, n) => void (of(labels).credentialRejections += n));
    series.refreshes.each((labels, n) => {
      if (labels.result === 'ok') of(labels).tokenRefreshes += n;
      else of(labels).tokenRefreshFailures += n;
    });
    return counters;
  };

  /**
   * The cells one finished request updates, by server and method label (both
   * bounded sets), so a request costs two map lookups and no label key.
   */
  interface RequestCells {
    statuses: Map<number, { value: number }>;
    /** Created at the first observation: a histogram with none is not exported. */
    firstByte?: HistogramCell;
    total?: HistogramCell;
  }
  const cells = new Map<string, Map<string, RequestCells>>();
  const cellsOf = (server: string, method: string): RequestCells => {
    let byMethod = cells.get(server);
    if (!byMethod) cells.set(server, (byMethod = new Map()));
    let found = byMethod.get(method);
    if (!found) {
      found = { statuses: new Map(), firstByte: undefined, total: undefined };
      byMethod.set(method, found);
    }
    return found;
  };

  return {
    request(server, rpcMethod, status, firstByteSeconds, totalSeconds) {
      const method = methodLabel(rpcMethod);
      const found = cellsOf(server, method);
      let count = found.statuses.get(status);
      if (!count) found.statuses.set(status, (count = series.requests.cell([server, method, status])));
      count.value += 1;
      if (firstByteSeconds !== undefined) series.firstByte.observeIn((found.firstByte ??= series.firstByte.cell([server, method])), firstByteSeconds);
      if (totalSeconds !== undefined) series.total.observeIn((found.total ??= series.total.cell([server, method])), totalSeconds);
    },
    upstreamError(server, kind) {
      series.upstreamErrors.add([server, kind]);
    },
    streamOpened(server) {
      series.streams.add([server]);
    },
    streamClosed(server) {
      series.streams.add([server], -1);
    },
    signingFailure(server) {
      series.signing.add([server]);
    },
    credentialRejected(server, status) {
      series.rejected.add([server, status]);
    },
    tokenRefresh(server, ok) {
      series.refreshes.add([server, ok ? 'ok' : 'failed']);
    },
    policyDenied(server, rule) {
      series.denials.add([server, rule]);
    },
    authentication(method, result) {
      series.authentications.add([method, result]);
    },
    childStarted(server) {
      series.childStarts.add([server]);
      series.children.add([server]);
    },
    childCrashed(server) {
      series.childCrashes.add([server]);
    },
    childExited(server) {
      series.children.add([server], -1);
    },
    headline,
    async render() {
      registry ??= load();
      const loaded = await registry.catch((error: unknown) => {
        registry = undefined;
        throw error;
      });
      return { contentType: loaded.contentType, body: await loaded.metrics() };
    },
  };
}
