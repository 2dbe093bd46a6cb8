// The checks section: what the request path's per-request steps cost, in-process (no network, so it is steady on a
// shared machine): the path confinement check (src/proxy/confine.ts) on ordinary and hostile remainders, the full
// target for a suffix (check plus the URL built from it), the header strip with and without `_` in names, the
// guard, a request id, the JSON-RPC envelope walk, hmac signing, the access line and one request's metrics.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { createHmacSigner } from '../src/auth/hmac.js';
import { LOCAL_USER } from '../src/auth/scheme.js';
import { accessLine, isoNow } from '../src/observability/access-line.js';
import { createMetrics } from '../src/observability/metrics.js';
import { Redactor } from '../src/observability/redact.js';
import { requestIdFrom } from '../src/observability/request-id.js';
import { peekRpc } from '../src/observability/rpc-peek.js';
import { confinedTarget, pathProblem } from '../src/proxy/confine.js';
import { createGuard } from '../src/proxy/guard.js';
import { createStripper } from '../src/proxy/strip.js';
import { median } from './stats.js';
import { table } from './table.js';

export interface CheckRow {
  check: string;
  /** Median over the rounds of the mean time per call. */
  nsPerCall: number;
  calls: number;
}

export interface ChecksResult {
  date: string;
  rows: CheckRow[];
}

const CALLS = 200_000;
const ROUNDS = 7;
const BASE = new URL('https://gw.example/api/v2/mcp');

/** Remainders below /mcp: what agents send (mostly nothing), and what a probe sends. */
const PATHS: Array<[string, string]> = [
  ['path check: /mcp (no remainder)', ''],
  ['path check: /mcp/messages', '/messages'],
  ['path check: /mcp/a%20b/caf%C3%A9;v=1', '/a%20b/caf%C3%A9;v=1'],
  ['path check: 20 segments, 160 chars', '/segment'.repeat(20)],
  ['path check: /..%2f..%2fadmin (refused)', '/..%2f..%2fadmin'],
  ['path check: /%252e%252e/admin (refused)', '/%252e%252e/admin'],
  ['path check: /%ef%bc%8e%ef%bc%8e/x (refused)', '/%ef%bc%8e%ef%bc%8e/x'],
];

/** The headers a typical MCP POST carries, and the same with two underscore names (the slower canonical lookup). */
const TYPICAL: IncomingHttpHeaders = {
  host: '127.0.0.1:8787',
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'content-length': '120',
  'mcp-session-id': 'a1b2c3d4e5f6',
  'mcp-protocol-version': '2025-06-18',
  'user-agent': 'node',
  'accept-encoding': 'gzip, deflate',
  connection: 'keep-alive',
};
const UNDERSCORED: IncomingHttpHeaders = { ...TYPICAL, x_glean_actas: 'ceo@acme.com', 'mcp-param-user_id': 'u-1' };

/** Mean ns per call of `fn` over CALLS calls, median of ROUNDS rounds (after one warm-up round). */
function time(fn: () => unknown): number {
  let sink = 0;
  const means: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < CALLS; i++) if (fn() !== undefined) sink++;
    const ns = Number(process.hrtime.bigint() - t0) / CALLS;
    if (round > 0) means.push(ns);
  }
  // Keeps the results observable, so the calls cannot be optimised away.
  if (sink === -1) console.log(sink);
  return median(means);
}

const BODY = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'search_docs', arguments: { query: 'quarterly plan', limit: 10 } } }));

/** What node:http gives the guard for a typical local POST. */
const LOCAL_POST = {
  method: 'POST',
  url: '/mcp',
  headers: { host: '127.0.0.1:8787', 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': String(BODY.length) },
  rawHeaders: ['Host', '127.0.0.1:8787', 'Content-Type', 'application/json', 'Accept', 'application/json, text/event-stream', 'Content-Length', String(BODY.length)],
} as unknown as IncomingMessage;

function requestSteps(): CheckRow[] {
  const guard = createGuard('127.0.0.1', 8787);
  const signer = createHmacSigner({ keyId: 'bench-key', secret: 'bench-secret-0123456789abcdef' });
  const base = new URL('https://gw.example/api/mcp');
  // More paths than the signer keeps per second: every call computes its HMAC.
  const paths = Array.from({ length: 1000 }, (_, i) => new URL(`https://gw.example/api/mcp/item/${i}`));
  let next = 0;
  const redactor = new Redactor();
  redactor.add('bench-secret-0123456789abcdef');
  const metrics = createMetrics({ processMetrics: false });
  const line = () =>
    redactor.redact(
      accessLine(isoNow(), {
        requestId: requestIdFrom(undefined),
        server: 'gateway',
        method: 'POST',
        path: '/gateway/mcp',
        rpcMethod: 'tools/call',
        tool: 'search_docs',
        status: 200,
        upstreamStatus: 200,
        ttfbMs: 0.412,
        durationMs: 0.523,
        bytesIn: BODY.length,
        bytesOut: 1024,
        failure: undefined,
        upstreamRequestId: undefined,
      }),
    );
  const row = (check: string, fn: () => unknown): CheckRow => ({ check, nsPerCall: time(fn), calls: CALLS });
  return [
    row('guard: a local POST', () => guard.check(LOCAL_POST) ?? 0),
    row('request id: a new one', () => requestIdFrom(undefined)),
    row('envelope walk: a tools/call body', () => peekRpc(BODY)),
    row('hmac sign: same path within a second', () => signer.sign({ method: 'POST', url: base, headers: {}, identity: LOCAL_USER })),
    row('hmac sign: a new path each call', () => signer.sign({ method: 'POST', url: paths[next++ % paths.length] as URL, headers: {}, identity: LOCAL_USER })),
    row('access line: built and redacted (request id included)', line),
    row('metrics: one request recorded', () => metrics.request('gateway', 'tools/call', 200, 0.0004, 0.0005) ?? 0),
  ];
}

export function benchChecks(): ChecksResult {
  const strip = createStripper(['authorization', 'x-glean-actas']);
  const rows: CheckRow[] = [
    ...PATHS.map(([check, remainder]) => ({ check, nsPerCall: time(() => pathProblem(remainder)), calls: CALLS })),
    { check: 'target built: /mcp/messages?x=1 (check + URL)', nsPerCall: time(() => confinedTarget(BASE, '/messages', '?x=1')), calls: CALLS },
    { check: 'header strip: 9 typical headers', nsPerCall: time(() => strip(TYPICAL)), calls: CALLS },
    { check: 'header strip: 11 headers, 2 with `_`', nsPerCall: time(() => strip(UNDERSCORED)), calls: CALLS },
    ...requestSteps(),
  ];
  return { date: new Date().toISOString(), rows };
}

/** The slowest of the path checks: what one request pays at most (the issue's figure, target < 2 µs). */
export function worstPathCheckUs(result: ChecksResult | undefined): number | undefined {
  const checks = result?.rows?.filter((r) => r.check.startsWith('path check:')) ?? [];
  return checks.length === 0 ? undefined : Math.max(...checks.map((r) => r.nsPerCall)) / 1000;
}

export function printChecks(result: ChecksResult): void {
  console.log(`\n## checks: in-process cost per call, median of ${ROUNDS} rounds of ${CALLS} calls\n`);
  console.log(`${table(['check', 'per call'], result.rows.map((r) => [r.check, `${r.nsPerCall.toFixed(0)} ns`]))}\n`);
}
