// The load section of `npm run bench`: mixed JSON/SSE load at concurrency 64 through a daemon from
// `mcp-auth-proxy start --detach` (idle RSS first, RSS followed after), then BENCH_STREAMS event streams held open
// at once through a fresh daemon, against bench/targets/mixed-upstream.ts.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon, stopDaemon } from './children.js';
import { rssTrend, runMixed, type MixedRun, type RssTrend } from './load-mixed.js';
import { runStreams, type StreamsRun } from './load-streams.js';
import { memoryOf, openFilesLimit } from './proc.js';
import { SSE_PER_TEN } from './targets/mixed-plan.js';

export type Start = (args: string[], env: NodeJS.ProcessEnv, ready: RegExp) => Promise<{ child: ChildProcess; match: RegExpExecArray }>;

export interface LoadInput {
  start: Start;
  keyId: string;
  secret: string;
  seconds: number;
  streams: number;
  /** Quiet time after start before the idle RSS is read. */
  idleSeconds: number;
  /** How long RSS is followed after the load. */
  settleSeconds: number;
  log: (line: string) => void;
}

interface UpstreamStats {
  requests: number;
  signed: number;
  rejected: number;
  json: number;
  sse: number;
  streamsOpen: number;
}

export interface MixedResult extends MixedRun {
  concurrency: number;
  seconds: number;
  failed: number;
  rss: RssTrend;
  upstream: UpstreamStats;
  /** The proxy's VmRSS after idleSeconds with no traffic, before the load. */
  idleRssMb?: number;
  settle?: Settle;
}

/** VmRSS after the load, with no traffic: does the daemon give the memory back? */
export interface Settle {
  seconds: number;
  /** One sample every SETTLE_SAMPLE_SECONDS from the end of the load. */
  samplesMb: number[];
  /** The last sample. */
  lastMb?: number;
  /** Seconds after the load until RSS was first within RETURN_MB of the idle RSS; absent when it never was. */
  returnedAfterSeconds?: number;
}

export interface StreamsResult extends StreamsRun {
  /** Configured servers (all the same upstream) the streams were spread over; 1 is the default config. */
  servers: number;
  /** Streams the upstream still held a second after the client closed them all (should be 0). */
  upstreamOpenAfterClose: number;
  rejectedSignatures: number;
  /** The proxy's soft open-files limit (`ulimit -n`); each stream costs it two sockets. */
  openFilesLimit?: number;
}

export interface LoadResult {
  date: string;
  openFilesLimit: { bench?: number; proxy?: number };
  /** The machine's 1-minute load average when the section started and ended: other work skews the figures. */
  loadAverage: { start: number; end: number };
  mixed: MixedResult;
  /**
   * The requested count first. When fewer got through: a pass at the count
   * that did, and one spreading the requested count over enough configured
   * servers (one upstream pool each) to stay under the per-upstream cap.
   */
  streams: StreamsResult[];
}

const CONCURRENCY = 64;
/** Longer than the upstream's 5 s ping interval: every held stream must carry bytes during the hold. */
const HOLD_SECONDS = 6;
/** Longer than the proxy's default requestTimeout (20 s): a stream queued inside the proxy ends as a 504 first. */
const SETTLE_MS = 30_000;
/** maxSockets of the proxy's keep-alive agent per upstream (src/proxy/upstreams.ts). */
const PROXY_UPSTREAM_SOCKETS = 256;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** "Back to idle": within this much of the idle RSS. */
export const RETURN_MB = 10;
const SETTLE_SAMPLE_SECONDS = 5;

/** Samples VmRSS every few seconds for `seconds`, noting when it first came within RETURN_MB of `idleMb`. */
async function settle(pid: number | undefined, idleMb: number | undefined, seconds: number): Promise<Settle> {
  const samplesMb: number[] = [];
  let returnedAfterSeconds: number | undefined;
  for (let t = 0; t <= seconds; t += SETTLE_SAMPLE_SECONDS) {
    if (t > 0) await sleep(SETTLE_SAMPLE_SECONDS * 1000);
    const rss = memoryOf(pid)?.rssMb;
    if (rss === undefined) break;
    samplesMb.push(rss);
    if (returnedAfterSeconds === undefined && idleMb !== undefined && rss <= idleMb + RETURN_MB) returnedAfterSeconds = t;
  }
  return { seconds, samplesMb, lastMb: samplesMb[samplesMb.length - 1], ...(returnedAfterSeconds === undefined ? {} : { returnedAfterSeconds }) };
}

async function upstreamStats(base: string): Promise<UpstreamStats> {
  return (await (await fetch(`${base}/stats`)).json()) as UpstreamStats;
}

/** A daemon under load: its pid, its MCP endpoints, and what to remove once it stopped. */
interface Running {
  pid: number;
  urls: URL[];
  cleanup?: () => void;
}

/** The daemon as users start it: `start --detach` (default config from the environment, default logging). */
async function startProxy(input: LoadInput, upstreamBase: string): Promise<Running> {
  const env = { MCP_UPSTREAM_URL: `${upstreamBase}/mcp`, MCP_API_KEY: input.keyId, MCP_API_SECRET: input.secret };
  const daemon = await startDaemon(['--listen', '127.0.0.1:0'], env);
  return { pid: daemon.pid, urls: [new URL(`${daemon.url}/mcp`)] };
}

/** `start --detach --config` with `servers` entries s0, s1... all naming the same upstream; each gets its own pool. */
async function startSpreadProxy(input: LoadInput, upstreamBase: string, servers: number): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-load-'));
  const names = Array.from({ length: servers }, (_, i) => `s${i}`);
  const auth = { type: 'hmac', keyId: input.keyId, secret: 'env:BENCH_PROXY_SECRET' };
  const config = { servers: Object.fromEntries(names.map((name) => [name, { url: `${upstreamBase}/mcp`, auth }])) };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const daemon = await startDaemon(['--listen', '127.0.0.1:0', '--config', join(dir, 'config.json')], { BENCH_PROXY_SECRET: input.secret });
  return { pid: daemon.pid, urls: names.map((name) => new URL(`${daemon.url}/${name}/mcp`)), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const alive = (pid: number) => existsSync(`/proc/${pid}`);

/** SIGTERM, so the daemon removes its state file; SIGKILL if it has not exited within 5 s. */
async function stopProxy(proxy: Running): Promise<void> {
  try {
    process.kill(proxy.pid, 'SIGTERM');
  } catch {
    // Gone already.
  }
  for (let i = 0; i < 100 && alive(proxy.pid); i++) await sleep(50);
  stopDaemon(proxy.pid);
  proxy.cleanup?.();
}

async function mixedPhase(input: LoadInput, upstreamBase: string): Promise<MixedResult> {
  const proxy = await startProxy(input, upstreamBase);
  input.log(`load mixed: ${input.idleSeconds}s idle first, then ${input.seconds}s of load, then RSS followed for ${input.settleSeconds}s`);
  await sleep(input.idleSeconds * 1000);
  const idleRssMb = memoryOf(proxy.pid)?.rssMb;
  const before = await upstreamStats(upstreamBase);
  const run = await runMixed(proxy.urls[0] as URL, proxy.pid, CONCURRENCY, input.seconds);
  const after = await upstreamStats(upstreamBase);
  const settled = await settle(proxy.pid, idleRssMb, input.settleSeconds);
  await stopProxy(proxy);
  const failed = Object.values(run.failures).reduce((a, b) => a + b, 0);
  const upstream = { ...after, requests: after.requests - before.requests, signed: after.signed - before.signed, rejected: after.rejected - before.rejected };
  input.log(`load mixed: ${Math.round(run.rps)} req/s, ${failed} failed, ${upstream.rejected} rejected signatures; RSS idle ${idleRssMb ?? '-'} MB, ${input.settleSeconds}s after ${settled.lastMb ?? '-'} MB`);
  return { concurrency: CONCURRENCY, seconds: input.seconds, ...run, failed, rss: rssTrend(run.rssMb), upstream, idleRssMb, settle: settled };
}

/** `servers` > 1: spread the streams over that many configured servers instead of the default one. */
async function streamsPass(input: LoadInput, upstreamBase: string, count: number, servers = 1): Promise<StreamsResult> {
  const proxy = servers > 1 ? await startSpreadProxy(input, upstreamBase, servers) : await startProxy(input, upstreamBase);
  const before = await upstreamStats(upstreamBase);
  const run = await runStreams(proxy.urls, proxy.pid, count, HOLD_SECONDS, SETTLE_MS);
  await sleep(1000);
  const after = await upstreamStats(upstreamBase);
  const limit = openFilesLimit(proxy.pid);
  await stopProxy(proxy);
  input.log(`load streams: ${run.established}/${count} established over ${servers} server(s), RSS ${run.held?.rssMb ?? '-'} MB`);
  return { servers, ...run, upstreamOpenAfterClose: after.streamsOpen, rejectedSignatures: after.rejected - before.rejected, openFilesLimit: limit };
}

/** The requested count; when capped, also the count that got through, and the requested count spread over servers. */
async function streamsPhase(input: LoadInput, upstreamBase: string): Promise<StreamsResult[]> {
  const first = await streamsPass(input, upstreamBase, input.streams);
  if (first.established === 0 || first.established === first.requested) return [first];
  const atCap = await streamsPass(input, upstreamBase, first.established);
  const spread = await streamsPass(input, upstreamBase, input.streams, Math.ceil(input.streams / first.established));
  return [first, atCap, spread];
}

export async function benchLoad(input: LoadInput): Promise<LoadResult> {
  const loadAtStart = loadavg()[0] as number;
  const env = { BENCH_KEY_ID: input.keyId, BENCH_SECRET: input.secret };
  const up = await input.start(['--import', 'tsx', 'bench/targets/mixed-upstream.ts'], env, /LISTENING (\d+)/);
  const upstreamBase = `http://127.0.0.1:${up.match[1]}`;
  const mixed = await mixedPhase(input, upstreamBase);
  const streams = await streamsPhase(input, upstreamBase);
  const first = streams[0] as StreamsResult;
  up.child.kill('SIGKILL');
  const result = {
    date: new Date().toISOString(),
    openFilesLimit: { bench: openFilesLimit('self'), proxy: first.openFilesLimit },
    loadAverage: { start: loadAtStart, end: loadavg()[0] as number },
    mixed,
    streams,
  };
  printLoad(result);
  return result;
}

const fixed = (n: number | undefined, digits = 1) => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
const megs = (n: number | undefined) => (n === undefined ? '-' : `${n}MB`);

function printLoad(result: LoadResult): void {
  const { loadAverage } = result;
  console.log(`\nload section; machine load average (1 min): ${fixed(loadAverage.start, 2)} at start, ${fixed(loadAverage.end, 2)} at end, ${availableParallelism()} cores`);
  printMixed(result.mixed);
  printStreams(result.streams, result.openFilesLimit);
}

function printMixed(mixed: MixedResult): void {
  const { rss, upstream } = mixed;
  console.log(`\nmixed load: ${mixed.seconds}s at c=${mixed.concurrency} through the \`start --detach\` daemon (default logging), ${100 - SSE_PER_TEN * 10}/${SSE_PER_TEN * 10} JSON/SSE answers, every answer checked in full\n`);
  console.log(`${'req/s'.padStart(8)}${'p50'.padStart(10)}${'p99'.padStart(10)}${'ok'.padStart(9)}${'failed'.padStart(8)}${'rejected'.padStart(10)}${'RSS first/last/peak'.padStart(24)}${'stable'.padStart(8)}`);
  console.log(
    `${Math.round(mixed.rps).toString().padStart(8)}${`${fixed(mixed.p50Ms, 2)}ms`.padStart(10)}${`${fixed(mixed.p99Ms, 2)}ms`.padStart(10)}${String(mixed.ok).padStart(9)}${String(mixed.failed).padStart(8)}` +
      `${String(upstream.rejected).padStart(10)}${`${fixed(rss.firstMb)}/${fixed(rss.lastMb)}/${fixed(rss.peakMb)} MB`.padStart(24)}${(rss.stable ? 'yes' : 'no').padStart(8)}`,
  );
  console.log(`failures by kind: ${JSON.stringify(mixed.failures)}   upstream answered ${upstream.json} JSON, ${upstream.sse} SSE, ${upstream.signed} signed`);
  console.log(`RSS mean ${fixed(rss.earlyMeanMb)} MB (first ${rss.windowSeconds}s after warm-up) vs ${fixed(rss.lateMeanMb)} MB (last ${rss.windowSeconds}s); VmHWM ${megs(mixed.hwmMb)}`);
  const s = mixed.settle;
  if (s) {
    const back = s.returnedAfterSeconds === undefined ? `not within ${RETURN_MB} MB of idle in ${s.seconds}s` : `within ${RETURN_MB} MB of idle ${s.returnedAfterSeconds}s after the load`;
    console.log(`RSS idle before the load ${megs(mixed.idleRssMb)}; after it, every 5 s: ${s.samplesMb.join(' ')} MB: ${back}`);
  }
}

function printStreams(streams: StreamsResult[], limits: LoadResult['openFilesLimit']): void {
  console.log(`\nheld SSE streams (GET, one connection each, \`: ping\` every 5 s, held ${HOLD_SECONDS}s); open-files limit: bench ${limits.bench ?? '-'}, proxy ${limits.proxy ?? '-'}\n`);
  console.log(`${'requested'.padStart(10)}${'servers'.padStart(9)}${'established'.padStart(13)}${'failed'.padStart(16)}${'open after hold'.padStart(22)}${'RSS before/held'.padStart(18)}${'VmHWM'.padStart(9)}${'fds'.padStart(7)}`);
  for (const s of streams) {
    const failed = Object.entries(s.failed).map(([why, n]) => `${n}×${why}`).join(' ') || '0';
    console.log(
      `${String(s.requested).padStart(10)}${String(s.servers).padStart(9)}${String(s.established).padStart(13)}${failed.padStart(16)}${`${s.stillOpen} (${s.flowing} pinged)`.padStart(22)}` +
        `${`${fixed(s.before?.rssMb)}/${fixed(s.held?.rssMb)} MB`.padStart(18)}${megs(s.afterHold?.hwmMb).padStart(9)}${String(s.fds ?? '-').padStart(7)}`,
    );
  }
  const leftOpen = streams.map((s) => s.upstreamOpenAfterClose).join(', ');
  const rejected = streams.map((s) => s.rejectedSignatures).join(', ');
  console.log(`after closing them: streams the upstream still held ${leftOpen}; rejected signatures ${rejected}`);
  const [first, , spread] = streams;
  if (!first || first.established === first.requested) return;
  const cause = first.established === PROXY_UPSTREAM_SOCKETS ? ` = the proxy's maxSockets per upstream (${PROXY_UPSTREAM_SOCKETS}): a held stream keeps its upstream socket, later ones wait in the agent queue until requestTimeout answers 504` : '';
  console.log(`finding: only ${first.established} of ${first.requested} streams got through one server${cause}`);
  if (spread) console.log(`the ${spread.servers}-server row (a config naming the same upstream ${spread.servers} times, one pool each) shows the proxy's memory with ${spread.established} streams held`);
}
