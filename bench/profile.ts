// The profile section (`--only profile`): where the proxy spends CPU beyond the floor. The bare node:http proxy and
// `mcp-auth-proxy start` (and BENCH_BASELINE, when set) run with the profile hook; each takes the small-JSON load at
// c=32 in interleaved rounds, sampled only while its load runs; then self time per request, by area and by
// function, side by side with the floor's.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCannon } from './cannon.js';
import { pinLoadSide, pinTarget, releaseLoadSide } from './placement.js';
import { start } from './children.js';
import { diffRows, summarizeProfiles, type ProfileSummary } from './profile-read.js';
import { table } from './table.js';
import { MCP_HEADERS, SMALL_ANSWER, requestBody } from './targets/scenario-plan.js';
import { runWrk, wrkVersion } from './wrk.js';

export interface ProfileInput {
  keyId: string;
  secret: string;
  rounds: number;
  seconds: number;
  concurrency: number;
  baseline?: string;
  log: (line: string) => void;
}

export interface ProfileResult {
  date: string;
  loadGenerator: string;
  rounds: number;
  seconds: number;
  concurrency: number;
  /** By target name: sampled main-thread self time per request. */
  targets: Record<string, ProfileSummary>;
}

const HOOK = ['--import', './bench/targets/profile-hook.mjs'];
const LISTENING = /listening on (http:\/\/\S+)/;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Profiled {
  name: string;
  url: string;
  pid: number;
  dir: string;
  requests: number;
}

async function load(url: string, connections: number, seconds: number): Promise<{ requests: number; failures: number }> {
  const input = { url, headers: MCP_HEADERS, body: requestBody('small'), expectBody: SMALL_ANSWER, connections, seconds };
  return wrkVersion() ? runWrk(input) : runCannon(input);
}

/** Waits for the hook to write profile number `n` after a stop. */
async function written(dir: string, n: number): Promise<void> {
  for (let i = 0; i < 200 && !existsSync(join(dir, `${n}.cpuprofile`)); i++) await sleep(50);
}

export async function benchProfile(input: ProfileInput): Promise<ProfileResult> {
  const work = mkdtempSync(join(tmpdir(), 'mcp-auth-proxy-profile-'));
  // The same placement as the scenarios section: upstream and wrk on the load side, each target alone on its core.
  pinLoadSide();
  try {
    const env = { BENCH_KEY_ID: input.keyId, BENCH_SECRET: input.secret };
    const up = await start(['--import', 'tsx', 'bench/targets/upstream.ts'], env, /LISTENING (\d+)/);
    const upstream = `http://127.0.0.1:${up.match[1]}/mcp`;
    const proxyEnv = { MCP_UPSTREAM_URL: upstream, MCP_API_KEY: input.keyId, MCP_API_SECRET: input.secret };
    const dirOf = (name: string) => {
      const dir = join(work, name.replace(/\W+/g, '-'));
      mkdirSync(dir);
      return dir;
    };
    const targets: Profiled[] = [];
    const floorDir = dirOf('bare');
    const floor = await start([...HOOK, '--import', 'tsx', 'bench/targets/bare-proxy.ts'], { ...env, BENCH_UPSTREAM: upstream, BENCH_PROFILE_DIR: floorDir }, /LISTENING (\d+)/);
    targets.push({ name: 'bare node:http proxy', url: `http://127.0.0.1:${floor.match[1]}/mcp`, pid: floor.child.pid as number, dir: floorDir, requests: 0 });
    const builds: Array<[string, string]> = [['mcp-auth-proxy', 'bin/mcp-auth-proxy.js'], ...(input.baseline ? [['baseline mcp-auth-proxy', input.baseline] as [string, string]] : [])];
    for (const [name, bin] of builds) {
      const dir = dirOf(name);
      const proxy = await start([...HOOK, bin, 'start', '--listen', '127.0.0.1:0'], { ...proxyEnv, BENCH_PROFILE_DIR: dir }, LISTENING);
      targets.push({ name, url: `${proxy.match[1]}/mcp`, pid: proxy.child.pid as number, dir, requests: 0 });
    }
    for (const t of targets) pinTarget(t.pid);
    input.log(`profile: ${targets.map((t) => t.name).join(', ')}; warm-up, then ${input.rounds} rounds of ${input.seconds}s each at c=${input.concurrency}`);
    for (const t of targets) await load(t.url, input.concurrency, 2);
    let failures = 0;
    for (let round = 1; round <= input.rounds; round++) {
      for (const t of targets) {
        process.kill(t.pid, 'SIGUSR2');
        await sleep(100);
        const run = await load(t.url, input.concurrency, input.seconds);
        process.kill(t.pid, 'SIGUSR2');
        await written(t.dir, round);
        t.requests += run.requests;
        failures += run.failures;
        input.log(`profile round ${round}/${input.rounds} ${t.name}: ${run.requests} requests`);
      }
    }
    if (failures > 0) throw new Error(`profile: ${failures} failed answers; the profiles would not show a working path`);
    const summaries = Object.fromEntries(targets.map((t) => [t.name, summarizeProfiles(readdirSync(t.dir).map((f) => join(t.dir, f)), t.requests)]));
    return { date: new Date().toISOString(), loadGenerator: wrkVersion() ?? 'autocannon', rounds: input.rounds, seconds: input.seconds, concurrency: input.concurrency, targets: summaries };
  } finally {
    releaseLoadSide();
    rmSync(work, { recursive: true, force: true });
  }
}

const fmt = (n: number) => n.toFixed(2);
const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(2)}`;

export function printProfile(result: ProfileResult): void {
  const names = Object.keys(result.targets);
  const floor = result.targets[names[0] as string] as ProfileSummary;
  console.log(`\n## profile: main-thread self time sampled under ${result.loadGenerator} at c=${result.concurrency}, ${result.rounds} rounds of ${result.seconds}s, µs per request\n`);
  console.log('Sampled wall time: a syscall counts while the thread waits in it; GC helper threads are not sampled.\n');
  for (const name of names.slice(1)) {
    const other = result.targets[name] as ProfileSummary;
    console.log(`${name} against the floor: busy ${fmt(other.busyUsPerReq)} vs ${fmt(floor.busyUsPerReq)} µs per request\n`);
    const areas = diffRows(floor.areas, other.areas, 20, 0);
    console.log(`${table(['area', 'floor', name, 'diff'], areas.map(([k, a, b]) => [k, fmt(a), fmt(b), signed(b - a)]))}\n`);
    const rows = diffRows(floor.functions, other.functions, 30);
    console.log(`${table(['function (self time)', 'floor', name, 'diff'], rows.map(([k, a, b]) => [k, fmt(a), fmt(b), signed(b - a)]))}\n`);
  }
}
