// Prometheus metrics (prom-client) for /metrics, and the headline counters
// `status` shows. Label values are bounded: servers come from the config,
// JSON-RPC methods from the MCP method list (anything else is "other"), so
// no agent can grow the series without limit. One registry per proxy,
// loaded at first use (see createMetrics).

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

/** The prom-client side: one registry per proxy with its instruments. */
interface Instruments {
  registry: import('prom-client').Registry;
  requests: import('prom-client').Counter;
  firstByte: import('prom-client').Histogram;
  total: import('prom-client').Histogram;
  upstreamErrors: import('prom-client').Counter;
  streams: import('prom-client').Gauge;
  signing: import('prom-client').Counter;
  rejected: import('prom-client').Counter;
  refreshes: import('prom-client').Counter;
}

async function instruments(processMetrics: boolean): Promise<Instruments> {
  const { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } = await import('prom-client');
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'mcp_proxy_requests_total', help: 'Requests answered, by server, JSON-RPC method and HTTP status', labelNames: ['server', 'rpc_method', 'status'], registers }),
    firstByte: new Histogram({ name: 'mcp_proxy_upstream_first_byte_seconds', help: 'Time from the request to the upstream response headers', labelNames: ['server', 'rpc_method'], buckets: LATENCY_BUCKETS, registers }),
    total: new Histogram({ name: 'mcp_proxy_request_duration_seconds', help: 'Time from the request to the last byte of the answer (POST and DELETE; GET streams are not latency)', labelNames: ['server', 'rpc_method'], buckets: LATENCY_BUCKETS, registers }),
    upstreamErrors: new Counter({ name: 'mcp_proxy_upstream_errors_total', help: 'Requests the upstream did not answer, or stopped answering, by kind', labelNames: ['server', 'kind'], registers }),
    streams: new Gauge({ name: 'mcp_proxy_open_streams', help: 'SSE streams open through the proxy now', labelNames: ['server'], registers }),
    signing: new Counter({ name: 'mcp_proxy_signing_failures_total', help: 'Requests the proxy could not sign', labelNames: ['server'], registers }),
    rejected: new Counter({ name: 'mcp_proxy_credential_rejections_total', help: 'Upstream 401/403 answers to the proxy credential', labelNames: ['server', 'status'], registers }),
    refreshes: new Counter({ name: 'mcp_proxy_token_refreshes_total', help: 'OAuth token refresh attempts, by result', labelNames: ['server', 'result'], registers }),
  };
}

/**
 * prom-client (with the process metrics it collects) is about a sixth of the
 * daemon's memory, so it loads at the first thing to count, not at start: a
 * daemon that has served nothing yet stays small. Updates made while it loads
 * are queued and applied in order, so no count is lost.
 */
export function createMetrics(options: { processMetrics?: boolean } = {}): ProxyMetrics {
  let ready: Instruments | undefined;
  let loading: Promise<Instruments> | undefined;
  const queued: Array<(m: Instruments) => void> = [];
  let failed = false;
  const load = (): Promise<Instruments> =>
    (loading ??= instruments(options.processMetrics !== false).then(
      (m) => {
        ready = m;
        for (const update of queued.splice(0)) update(m);
        return m;
      },
      (error: unknown) => {
        // A broken install: /metrics answers 500 with the reason; nothing queues up meanwhile.
        failed = true;
        queued.length = 0;
        throw error;
      },
    ));
  const apply = (update: (m: Instruments) => void): void => {
    if (ready) return update(ready);
    if (failed) return;
    queued.push(update);
    load().catch(() => undefined);
  };

  const counters = new Map<string, ServerCounters>();
  const of = (server: string): ServerCounters => {
    let c = counters.get(server);
    if (!c) {
      c = { requests: 0, errors: 0, upstreamErrors: 0, openStreams: 0, signingFailures: 0, credentialRejections: 0, tokenRefreshes: 0, tokenRefreshFailures: 0 };
      counters.set(server, c);
    }
    return c;
  };

  return {
    request(server, rpcMethod, status, firstByteSeconds, totalSeconds) {
      const method = methodLabel(rpcMethod);
      const c = of(server);
      c.requests++;
      if (status >= 500) c.errors++;
      apply((m) => {
        m.requests.inc({ server, rpc_method: method, status });
        if (firstByteSeconds !== undefined) m.firstByte.observe({ server, rpc_method: method }, firstByteSeconds);
        if (totalSeconds !== undefined) m.total.observe({ server, rpc_method: method }, totalSeconds);
      });
    },
    upstreamError(server, kind) {
      of(server).upstreamErrors++;
      apply((m) => m.upstreamErrors.inc({ server, kind }));
    },
    streamOpened(server) {
      of(server).openStreams++;
      apply((m) => m.streams.inc({ server }));
    },
    streamClosed(server) {
      of(server).openStreams--;
      apply((m) => m.streams.dec({ server }));
    },
    signingFailure(server) {
      of(server).signingFailures++;
      apply((m) => m.signing.inc({ server }));
    },
    credentialRejected(server, status) {
      of(server).credentialRejections++;
      apply((m) => m.rejected.inc({ server, status }));
    },
    tokenRefresh(server, ok) {
      const c = of(server);
      if (ok) c.tokenRefreshes++;
      else c.tokenRefreshFailures++;
      apply((m) => m.refreshes.inc({ server, result: ok ? 'ok' : 'failed' }));
    },
    headline() {
      return Object.fromEntries([...counters].map(([server, c]) => [server, { ...c }]));
    },
    async render() {
      const { registry } = await load();
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
