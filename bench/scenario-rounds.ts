// One measurement of one scenario against one target (a round's cell): runs the clients and turns their samples
// into flat figures (ms, req/s, µs of the target's CPU per request); scenarios.ts takes medians over the rounds.
// Small JSON is driven by wrk when it is installed (bench/wrk.ts), else by the node:http client and autocannon.
import { runCannon } from './cannon.js';
import { runJson } from './http-client.js';
import { onLoadSide } from './placement.js';
import { cpuMs } from './proc.js';
import { runSse } from './sse-client.js';
import { distribution, median } from './stats.js';
import { runWrk } from './wrk.js';
import { BIG_BYTES, DIRECT_HEADER, GET_HEADERS, MCP_HEADERS, SMALL_ANSWER, SSE_EVENTS, STREAM_MODE_HEADER, requestBody } from './targets/scenario-plan.js';

export const SCENARIOS = ['smallJson', 'bigJson', 'sseAnswer', 'getStream'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/** Figures of one cell; `failures` and `ok` add up over rounds, everything else is a median. */
export type Figures = Record<string, number>;

export interface Target {
  name: string;
  /** The MCP endpoint. */
  url: string;
  /** The process whose CPU time is read; none for direct. */
  pid?: number;
  direct: boolean;
  /** Scenarios this target takes part in (default all). */
  only?: ScenarioName[];
}

/** What drives the small-JSON load: wrk, or (without it) the node:http client at c=1 and autocannon at c=32. */
export type Driver = 'wrk' | 'autocannon';

export interface Knobs {
  seconds: number;
  /** c=1 latency run: seconds under wrk, requests under the node:http client. */
  latencySeconds: number;
  latencyRequests: number;
  bigRequests: number;
  bigConcurrency: number;
  smallConcurrency: number;
  sseRequests: number;
  getStreams: number;
  getEvents: number;
  getPacedEvents: number;
}

const withDirect = (target: Target, headers: Record<string, string>) => (target.direct ? { ...headers, [DIRECT_HEADER]: '1' } : headers);

/** CPU µs the target used per request while `run` ran. */
async function cpuPerRequest<T extends { requests: number }>(pid: number | undefined, run: () => Promise<T>): Promise<T & { cpuUsPerReq: number }> {
  const before = cpuMs(pid);
  const result = await run();
  const after = cpuMs(pid);
  const cpuUsPerReq = before === undefined || after === undefined ? NaN : ((after - before) * 1000) / result.requests;
  return { ...result, cpuUsPerReq };
}

/**
 * c=1 for latency, then c=N for req/s; CPU per request over each. p50/p99 of
 * both. Under wrk a second of load first warms the target's JIT for the cell;
 * with a placement (placement.ts), c=1 runs once more with the target on the
 * load side's cores (`p50MsShared`: no cross-core wake-up per hop).
 */
async function smallJson(target: Target, knobs: Knobs, driver: Driver): Promise<Figures> {
  const headers = withDirect(target, MCP_HEADERS);
  const body = requestBody('small');
  const c = knobs.smallConcurrency;
  if (driver === 'wrk') {
    const input = { url: target.url, headers, body, expectBody: SMALL_ANSWER };
    const warm = await runWrk({ ...input, connections: c, seconds: 1 });
    const one = await cpuPerRequest(target.pid, () => runWrk({ ...input, connections: 1, seconds: knobs.latencySeconds }));
    const shared = await onLoadSide(target.pid, () => runWrk({ ...input, connections: 1, seconds: knobs.latencySeconds }));
    const many = await cpuPerRequest(target.pid, () => runWrk({ ...input, connections: c, seconds: knobs.seconds }));
    const failures = warm.failures + one.failures + shared.failures + many.failures;
    const ok = one.requests + shared.requests + many.requests - one.failures - shared.failures - many.failures;
    return {
      p50Ms: one.p50Ms,
      p99Ms: one.p99Ms,
      meanMs: one.meanMs,
      p50MsShared: shared.p50Ms,
      p99MsShared: shared.p99Ms,
      cpuUsPerReqOne: one.cpuUsPerReq,
      rps: many.rps,
      p50MsMany: many.p50Ms,
      p99MsMany: many.p99Ms,
      cpuUsPerReq: many.cpuUsPerReq,
      ok,
      failures,
    };
  }
  const expectBytes = Buffer.byteLength(SMALL_ANSWER);
  const one = await cpuPerRequest(target.pid, async () => {
    const run = await runJson({ url: target.url, headers, body, expectBytes, concurrency: 1, requests: knobs.latencyRequests, warmup: 300 });
    return { ...run, requests: run.ok + run.failures };
  });
  const many = await cpuPerRequest(target.pid, () => runCannon({ url: target.url, headers, body, expectBody: SMALL_ANSWER, connections: c, seconds: knobs.seconds }));
  const lat = distribution(one.latencies);
  return {
    p50Ms: lat.p50,
    p99Ms: lat.p99,
    meanMs: lat.mean,
    cpuUsPerReqOne: one.cpuUsPerReq,
    rps: many.rps,
    p50MsMany: many.p50Ms,
    p99MsMany: many.p99Ms,
    cpuUsPerReq: many.cpuUsPerReq,
    ok: one.ok + many.requests - many.failures,
    failures: one.failures + many.failures,
  };
}

async function bigJson(target: Target, knobs: Knobs): Promise<Figures> {
  const input = { url: target.url, headers: withDirect(target, MCP_HEADERS), body: requestBody('big'), expectBytes: BIG_BYTES };
  const one = await runJson({ ...input, concurrency: 1, requests: knobs.bigRequests, warmup: 10 });
  const many = await cpuPerRequest(target.pid, async () => {
    const run = await runJson({ ...input, concurrency: knobs.bigConcurrency, seconds: knobs.seconds });
    return { ...run, requests: run.ok + run.failures };
  });
  const lat = distribution(one.latencies);
  return {
    p50Ms: lat.p50,
    p99Ms: lat.p99,
    rps: many.ok / many.seconds,
    mbPerSec: many.bytes / 1024 / 1024 / many.seconds,
    cpuUsPerReq: many.cpuUsPerReq,
    ok: one.ok + many.ok,
    failures: one.failures + many.failures,
  };
}

async function sseAnswer(target: Target, knobs: Knobs, offsetMs: number): Promise<Figures> {
  const headers = withDirect(target, MCP_HEADERS);
  const body = requestBody('sse');
  const run = await runSse({ url: target.url, method: 'POST', headers, body, events: SSE_EVENTS, endsWithResponse: true, streams: knobs.sseRequests, warmup: 5, offsetMs });
  const delay = distribution(run.delays);
  const counts = { events: run.delays.length, ok: run.ok, failures: run.failures };
  return { delayP50Ms: delay.p50, delayP99Ms: delay.p99, delayMeanMs: delay.mean, requestP50Ms: median(run.durations), ...counts };
}

/** Paced streams for the per-event delay, burst streams for events/s. */
async function getStream(target: Target, knobs: Knobs, offsetMs: number): Promise<Figures> {
  const input = { url: target.url, method: 'GET' as const, endsWithResponse: false, streams: knobs.getStreams, warmup: 1, offsetMs };
  const paced = await runSse({ ...input, headers: withDirect(target, { ...GET_HEADERS, [STREAM_MODE_HEADER]: 'paced' }), events: knobs.getPacedEvents });
  const burst = await runSse({ ...input, headers: withDirect(target, { ...GET_HEADERS, [STREAM_MODE_HEADER]: 'burst' }), events: knobs.getEvents });
  const delay = distribution(paced.delays);
  return {
    eventsPerSecond: median(burst.rates),
    burstP50Ms: median(burst.durations),
    delayP50Ms: delay.p50,
    delayP99Ms: delay.p99,
    delayMeanMs: delay.mean,
    events: paced.delays.length + burst.delays.length,
    ok: paced.ok + burst.ok,
    failures: paced.failures + burst.failures,
  };
}

export function measure(scenario: ScenarioName, target: Target, knobs: Knobs, offsetMs: number, driver: Driver): Promise<Figures> {
  switch (scenario) {
    case 'smallJson':
      return smallJson(target, knobs, driver);
    case 'bigJson':
      return bigJson(target, knobs);
    case 'sseAnswer':
      return sseAnswer(target, knobs, offsetMs);
    case 'getStream':
      return getStream(target, knobs, offsetMs);
  }
}

/** Per-key median over rounds; `ok`, `failures` and `events` summed. */
export function combine(rounds: Figures[]): Figures {
  const keys = Object.keys(rounds[0] ?? {});
  const summed = new Set(['ok', 'failures', 'events']);
  return Object.fromEntries(keys.map((k) => [k, summed.has(k) ? rounds.reduce((a, r) => a + (r[k] ?? 0), 0) : median(rounds.map((r) => r[k] ?? NaN))]));
}
