// One measurement of one scenario against one target (a round's cell): runs the clients and turns their samples
// into flat figures (ms, req/s, µs of the target's CPU per request); scenarios.ts takes medians over the rounds.
import { runCannon } from './cannon.js';
import { runJson } from './http-client.js';
import { cpuMs } from './proc.js';
import { runSse } from './sse-client.js';
import { distribution, median } from './stats.js';
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

export interface Knobs {
  seconds: number;
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

async function smallJson(target: Target, knobs: Knobs): Promise<Figures> {
  const headers = withDirect(target, MCP_HEADERS);
  const body = requestBody('small');
  const expectBytes = Buffer.byteLength(SMALL_ANSWER);
  const one = await runJson({ url: target.url, headers, body, expectBytes, concurrency: 1, requests: knobs.latencyRequests, warmup: 300 });
  const many = await cpuPerRequest(target.pid, () =>
    runCannon({ url: target.url, headers, body, expectBody: SMALL_ANSWER, connections: knobs.smallConcurrency, seconds: knobs.seconds }),
  );
  const lat = distribution(one.latencies);
  const ok = one.ok + many.requests - many.failures;
  return { p50Ms: lat.p50, p99Ms: lat.p99, meanMs: lat.mean, rps: many.rps, cpuUsPerReq: many.cpuUsPerReq, ok, failures: one.failures + many.failures };
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

export function measure(scenario: ScenarioName, target: Target, knobs: Knobs, offsetMs: number): Promise<Figures> {
  switch (scenario) {
    case 'smallJson':
      return smallJson(target, knobs);
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
