// Mixed load: N keep-alive client loops POST tools/call through the proxy for a fixed time and check every
// answer in full (JSON id, or every SSE event), while the proxy's VmRSS is sampled once a second.
import http from 'node:http';
import { memoryOf } from './proc.js';
import { planFor } from './targets/mixed-plan.js';

export type Outcome = 'ok' | 'status' | 'error' | 'timeout' | 'truncated' | 'badBody';

export interface MixedRun {
  requests: number;
  ok: number;
  failures: Record<Exclude<Outcome, 'ok'>, number>;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** VmRSS in MB, one sample a second from the start of the load. */
  rssMb: number[];
  hwmMb: number | undefined;
}

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
/** A request silent for this long counts as a timeout. */
const REQUEST_TIMEOUT_MS = 10_000;

function bodyFor(id: number): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } });
}

/** Whether a complete 200 answer is the one the mixed upstream sends for this id. */
export function verify(id: number, contentType: string | undefined, text: string): Outcome {
  const plan = planFor(id);
  if (plan.kind === 'json') return contentType?.startsWith('application/json') && idIn(text) === id ? 'ok' : 'badBody';
  if (!contentType?.startsWith('text/event-stream')) return 'badBody';
  const events = text.split('\n\n').filter((block) => block.startsWith('event: message\ndata: '));
  if (events.length < plan.events) return 'truncated';
  const last = events[events.length - 1]?.slice('event: message\ndata: '.length) ?? '';
  return events.length === plan.events && idIn(last) === id ? 'ok' : 'badBody';
}

function idIn(json: string): unknown {
  try {
    return (JSON.parse(json) as { id?: unknown }).id;
  } catch {
    return undefined;
  }
}

function callOnce(url: URL, agent: http.Agent, id: number): Promise<Outcome> {
  const body = bodyFor(id);
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const headers = { ...HEADERS, 'content-length': Buffer.byteLength(body) };
    const req = http.request(url, { method: 'POST', headers, agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done(res.statusCode === 200 ? verify(id, res.headers['content-type'], text) : 'status'));
      res.on('close', () => done(res.complete ? 'error' : 'truncated'));
    });
    req.on('timeout', () => {
      done('timeout');
      req.destroy();
    });
    req.on('error', () => done('error'));
    req.end(body);
  });
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** One sample of the proxy's VmRSS a second until stopped. */
function sampleRss(pid: number | undefined): () => number[] {
  const samples: number[] = [];
  const timer = setInterval(() => {
    const memory = memoryOf(pid);
    if (memory) samples.push(memory.rssMb);
  }, 1000);
  return () => {
    clearInterval(timer);
    return samples;
  };
}

export async function runMixed(url: URL, pid: number | undefined, concurrency: number, seconds: number): Promise<MixedRun> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const failures: MixedRun['failures'] = { status: 0, error: 0, timeout: 0, truncated: 0, badBody: 0 };
  const latencies: number[] = [];
  let nextId = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const stopRss = sampleRss(pid);
  const loop = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const outcome = await callOnce(url, agent, nextId++);
      if (outcome === 'ok') latencies.push(performance.now() - t0);
      else failures[outcome] += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = (performance.now() - started) / 1000;
  const rssMb = stopRss();
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: nextId,
    ok: latencies.length,
    failures,
    rps: latencies.length / elapsed,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    rssMb,
    hwmMb: memoryOf(pid)?.hwmMb,
  };
}

export interface RssTrend {
  firstMb?: number;
  lastMb?: number;
  peakMb?: number;
  /** Mean of the window right after warm-up, and of the last window. */
  earlyMeanMb?: number;
  lateMeanMb?: number;
  windowSeconds: number;
  stable?: boolean;
}

/**
 * Stable: the mean RSS of the last window is within 20% of the mean of the
 * first window after warm-up. 30 s of load: warm-up 5 s, windows of 10 s
 * (5-15 s against 20-30 s); shorter runs scale both down.
 */
export function rssTrend(samples: number[]): RssTrend {
  const warmup = Math.ceil(samples.length / 6);
  const windowSeconds = Math.max(1, Math.min(10, Math.floor((samples.length - warmup) / 2)));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);
  const earlyMeanMb = mean(samples.slice(warmup, warmup + windowSeconds));
  const lateMeanMb = mean(samples.slice(-windowSeconds));
  const stable = earlyMeanMb && lateMeanMb ? Math.abs(lateMeanMb - earlyMeanMb) / earlyMeanMb <= 0.2 : undefined;
  const round = (n: number | undefined) => (n === undefined ? undefined : Math.round(n * 10) / 10);
  return {
    firstMb: samples[0],
    lastMb: samples[samples.length - 1],
    peakMb: samples.length ? Math.max(...samples) : undefined,
    earlyMeanMb: round(earlyMeanMb),
    lateMeanMb: round(lateMeanMb),
    windowSeconds,
    stable,
  };
}
