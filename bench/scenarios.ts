// The scenarios section: one signed upstream reached directly, through the bare node:http proxy and through
// mcp-auth-proxy (foreground `start`, a daemon from `start --detach`, and `start` with MCP_LOG_LEVEL=warn), in
// interleaved rounds; optionally another build (BENCH_BASELINE) in the same rounds.
import type { ChildProcess } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { start, startDaemon, stopDaemon } from './children.js';
import { clockOffset, type ClockOffset } from './clock.js';
import { memoryOf } from './proc.js';
import { pinLoadSide, pinTarget, placement, placementText, releaseLoadSide } from './placement.js';
import { SCENARIOS, combine, measure, type Driver, type Figures, type Knobs, type ScenarioName, type Target } from './scenario-rounds.js';
import { num } from './table.js';
import { wrkVersion } from './wrk.js';

export const TARGET = {
  direct: 'direct',
  bare: 'bare node:http proxy',
  proxy: 'mcp-auth-proxy',
  quiet: 'mcp-auth-proxy log=warn',
  daemon: 'mcp-auth-proxy daemon',
  baseline: 'baseline mcp-auth-proxy',
} as const;

export interface MemoryRow {
  /** VmRSS after `idleSeconds` with no traffic, right after start. */
  idleRssMb?: number;
  /** VmRSS `idleSeconds` after the last scenario. */
  afterRssMb?: number;
  /** VmHWM at that point: the peak over the whole run. */
  peakRssMb?: number;
}

export interface UpstreamStats {
  requests: number;
  signed: number;
  direct: number;
  rejected: number;
  badBody: number;
}

export type Row = { target: string } & Figures;

export interface ScenariosResult {
  date: string;
  /** What drove the small-JSON load: `wrk <version>`, or autocannon. */
  loadGenerator?: string;
  /** The other build measured alongside (BENCH_BASELINE), if any. */
  baseline?: string;
  rounds: number;
  idleSeconds: number;
  knobs: Knobs;
  /** The machine's 1-minute load average when the section started and ended: other work skews the figures. */
  loadAverage: { start: number; end: number };
  cores: number;
  /** Where the processes ran (placement.ts); absent: left to the scheduler. */
  placement?: string;
  /** Upstream clock offset measured at the start of each round. */
  clock: ClockOffset[];
  rows: Record<ScenarioName, Row[]>;
  memory: Record<string, MemoryRow>;
  upstream: UpstreamStats;
}

export interface ScenariosInput {
  keyId: string;
  secret: string;
  rounds: number;
  idleSeconds: number;
  knobs: Knobs;
  baseline?: string;
  log: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LISTENING = /listening on (http:\/\/\S+)/;
const PROXY = ['bin/mcp-auth-proxy.js', 'start', '--listen', '127.0.0.1:0'];

interface Started {
  upstreamBase: string;
  targets: Target[];
  children: ChildProcess[];
  daemonPid: number;
}

async function startTargets(input: ScenariosInput): Promise<Started> {
  const { getEvents, getPacedEvents } = input.knobs;
  const env = { BENCH_KEY_ID: input.keyId, BENCH_SECRET: input.secret, BENCH_GET_EVENTS: String(getEvents), BENCH_GET_PACED_EVENTS: String(getPacedEvents) };
  const up = await start(['--import', 'tsx', 'bench/targets/upstream.ts'], env, /LISTENING (\d+)/);
  const upstreamBase = `http://127.0.0.1:${up.match[1]}`;
  const bare = await start(['--import', 'tsx', 'bench/targets/bare-proxy.ts'], { ...env, BENCH_UPSTREAM: `${upstreamBase}/mcp` }, /LISTENING (\d+)/);
  const proxyEnv = { MCP_UPSTREAM_URL: `${upstreamBase}/mcp`, MCP_API_KEY: input.keyId, MCP_API_SECRET: input.secret };
  const proxy = await start(PROXY, proxyEnv, LISTENING);
  const quiet = await start(PROXY, { ...proxyEnv, MCP_LOG_LEVEL: 'warn' }, LISTENING);
  // The daemon as users get it: `start --detach` picks its node flags and writes its own rotated log.
  const daemon = await startDaemon(['--listen', '127.0.0.1:0'], proxyEnv);
  const baseline = input.baseline ? await start([input.baseline, ...PROXY.slice(1)], proxyEnv, LISTENING) : undefined;
  const targets: Target[] = [
    { name: TARGET.direct, url: `${upstreamBase}/mcp`, direct: true },
    { name: TARGET.bare, url: `http://127.0.0.1:${bare.match[1]}/mcp`, pid: bare.child.pid, direct: false },
    { name: TARGET.proxy, url: `${proxy.match[1]}/mcp`, pid: proxy.child.pid, direct: false },
    { name: TARGET.quiet, url: `${quiet.match[1]}/mcp`, pid: quiet.child.pid, direct: false, only: ['smallJson'] },
    { name: TARGET.daemon, url: `${daemon.url}/mcp`, pid: daemon.pid, direct: false },
    ...(baseline ? [{ name: TARGET.baseline, url: `${baseline.match[1]}/mcp`, pid: baseline.child.pid, direct: false, only: ['smallJson'] as ScenarioName[] }] : []),
  ];
  const children = [up, bare, proxy, quiet, ...(baseline ? [baseline] : [])].map((c) => c.child);
  return { upstreamBase, targets, children, daemonPid: daemon.pid };
}

function brief(scenario: ScenarioName, f: Figures): string {
  const failures = f.failures ? `, ${f.failures} FAILED` : '';
  if (scenario === 'smallJson') return `p50 ${num(f.p50Ms, 3)} ms, ${num(f.rps)} req/s, ${num(f.cpuUsPerReq)} µs CPU/req${failures}`;
  if (scenario === 'bigJson') return `p50 ${num(f.p50Ms, 2)} ms, ${num(f.mbPerSec)} MB/s${failures}`;
  if (scenario === 'sseAnswer') return `event delay p50 ${num(f.delayP50Ms, 3)} ms${failures}`;
  return `${num(f.eventsPerSecond)} events/s, delay p50 ${num(f.delayP50Ms, 3)} ms${failures}`;
}

export async function benchScenarios(input: ScenariosInput): Promise<ScenariosResult> {
  const loadAtStart = loadavg()[0] as number;
  const version = wrkVersion();
  const driver: Driver = version ? 'wrk' : 'autocannon';
  input.log(`scenarios: small JSON load by ${version ?? 'autocannon (wrk is not installed: its numbers are client-bound on a small machine)'}`);
  // The load side's cores first: the upstream and wrk, started from here, inherit them.
  pinLoadSide();
  const { upstreamBase, targets, children, daemonPid } = await startTargets(input);
  for (const t of targets) pinTarget(t.pid);
  input.log(`scenarios: ${placementText()}`);
  const processes = targets.filter((t) => t.pid !== undefined);
  input.log(`scenarios: all targets up; ${input.idleSeconds}s idle before measuring idle RSS`);
  await sleep(input.idleSeconds * 1000);
  const memory: Record<string, MemoryRow> = Object.fromEntries(processes.map((t) => [t.name, { idleRssMb: memoryOf(t.pid)?.rssMb }]));
  const samples = new Map<string, Figures[]>();
  const clock: ClockOffset[] = [];
  for (let round = 1; round <= input.rounds; round++) {
    const offset = await clockOffset(upstreamBase);
    clock.push(offset);
    for (const scenario of SCENARIOS) {
      for (const target of targets.filter((t) => !t.only || t.only.includes(scenario))) {
        const figures = await measure(scenario, target, input.knobs, offset.offsetMs, driver);
        const key = `${scenario}\n${target.name}`;
        samples.set(key, [...(samples.get(key) ?? []), figures]);
        input.log(`round ${round}/${input.rounds} ${scenario} ${target.name}: ${brief(scenario, figures)}`);
      }
    }
  }
  input.log(`scenarios: done; ${input.idleSeconds}s idle before measuring RSS again`);
  await sleep(input.idleSeconds * 1000);
  for (const t of processes) {
    const m = memoryOf(t.pid);
    Object.assign(memory[t.name] ?? {}, { afterRssMb: m?.rssMb, peakRssMb: m?.hwmMb });
  }
  const upstream = (await (await fetch(`${upstreamBase}/stats`)).json()) as UpstreamStats;
  for (const child of children) child.kill('SIGKILL');
  stopDaemon(daemonPid);
  releaseLoadSide();
  const rowsOf = (scenario: ScenarioName): Row[] =>
    targets.flatMap((t) => {
      const rounds = samples.get(`${scenario}\n${t.name}`);
      return rounds ? [{ target: t.name, ...combine(rounds) } as Row] : [];
    });
  const rows = Object.fromEntries(SCENARIOS.map((scenario) => [scenario, rowsOf(scenario)])) as Record<ScenarioName, Row[]>;
  const loadAverage = { start: loadAtStart, end: loadavg()[0] as number };
  return {
    date: new Date().toISOString(),
    loadGenerator: version ?? 'autocannon',
    ...(input.baseline ? { baseline: input.baseline } : {}),
    rounds: input.rounds,
    idleSeconds: input.idleSeconds,
    knobs: input.knobs,
    loadAverage,
    cores: availableParallelism(),
    ...(placement() ? { placement: placementText() } : {}),
    clock,
    rows,
    memory,
    upstream,
  };
}
