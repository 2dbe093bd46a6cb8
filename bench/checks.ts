// The checks section: what the request path's per-request checks cost, in-process (no network, so it is steady on a
// shared machine): the path confinement check (src/proxy/confine.ts) on ordinary and hostile remainders, the full
// target for a suffix (check plus the URL built from it), and the header strip with and without `_` in names.
import type { IncomingHttpHeaders } from 'node:http';
import { confinedTarget, pathProblem } from '../src/proxy/confine.js';
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

export function benchChecks(): ChecksResult {
  const strip = createStripper(['authorization', 'x-glean-actas']);
  const rows: CheckRow[] = [
    ...PATHS.map(([check, remainder]) => ({ check, nsPerCall: time(() => pathProblem(remainder)), calls: CALLS })),
    { check: 'target built: /mcp/messages?x=1 (check + URL)', nsPerCall: time(() => confinedTarget(BASE, '/messages', '?x=1')), calls: CALLS },
    { check: 'header strip: 9 typical headers', nsPerCall: time(() => strip(TYPICAL)), calls: CALLS },
    { check: 'header strip: 11 headers, 2 with `_`', nsPerCall: time(() => strip(UNDERSCORED)), calls: CALLS },
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
