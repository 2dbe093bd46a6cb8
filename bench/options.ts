// The bench's command line (`--only`, `--compare`, `--out`, `--help`) and environment knobs (BENCH_*),
// read once into one options object; a usage error prints the usage and exits 2.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { root } from './children.js';
import { ON_REQUEST, SECTIONS, type Section } from './results.js';
import type { Knobs } from './scenario-rounds.js';

export interface Options {
  sections: Section[];
  compare?: string;
  out: string;
  rounds: number;
  idleSeconds: number;
  startupRuns: number;
  stdioCalls: number;
  loadSeconds: number;
  streams: number;
  settleSeconds: number;
  knobs: Knobs;
  /** Another build's bin/mcp-auth-proxy.js, measured as one more target in the same rounds (BENCH_BASELINE). */
  baseline?: string;
}

export const USAGE = `Usage: npm run bench -- [--only LIST] [--compare OLD.json] [--out FILE.json]

  --only LIST        comma list of sections: ${SECTIONS.join(',')} (default: all but ${ON_REQUEST.join(' and ')},
                     which take minutes each)
  --compare FILE     print each headline figure old -> new with the change
  --out FILE         where to save the results (default bench/results/latest.json); sections not run
                     are kept from the file already there

The small-JSON load runs under wrk when it is installed (Debian/Ubuntu: apt-get install wrk), else autocannon.

Environment: BENCH_ROUNDS (3), BENCH_SECONDS (5, each concurrent run), BENCH_LATENCY_SECONDS (3, c=1 under wrk),
BENCH_LATENCY_REQUESTS (3000, c=1 without wrk),
BENCH_BIG_REQUESTS (200), BENCH_BIG_CONCURRENCY (8), BENCH_CONCURRENCY (32), BENCH_SSE_REQUESTS (100),
BENCH_GET_STREAMS (10), BENCH_GET_EVENTS (2000, burst), BENCH_GET_PACED_EVENTS (200), BENCH_IDLE_SECONDS (15: V8 gives
start-up memory back about 10 s after start, so idle RSS is read once it has),
BENCH_STARTUP_RUNS (10), BENCH_STDIO_CALLS (500, also each commands round), BENCH_LOAD_SECONDS (30), BENCH_SETTLE_SECONDS (60, RSS followed
after the load), BENCH_STREAMS (1000);
BENCH_ONLY works like --only (BENCH_ONLY=load: the load section alone); BENCH_BASELINE=path/to/bin/mcp-auth-proxy.js
of another build (a checkout of the previous release, built) adds it as a target in the same rounds;
BENCH_PIN=0 leaves every process to the scheduler (by default, on Linux with taskset, the scenarios and profile
sections run the upstream and wrk on the first cores and each target alone on the last one).`;

function usageError(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function knob(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) usageError(`${name} must be a positive number, not ${JSON.stringify(raw)}`);
  return n;
}

function sectionsOf(list: string): Section[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) usageError(`--only: unknown section(s) ${unknown.join(', ') || '(none given)'}`);
  return SECTIONS.filter((s) => names.includes(s));
}

function baselineOf(cwd: string): { baseline?: string } {
  const raw = process.env.BENCH_BASELINE;
  if (raw === undefined || raw === '') return {};
  const file = resolve(cwd, raw);
  if (!existsSync(file)) usageError(`BENCH_BASELINE: no file ${raw} (name an mcp-auth-proxy bin script of a built checkout)`);
  return { baseline: file };
}

export function readOptions(argv = process.argv.slice(2)): Options {
  let values: { only?: string; compare?: string; out?: string; help?: boolean };
  try {
    values = parseArgs({ args: argv, options: { only: { type: 'string' }, compare: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (error) {
    usageError((error as Error).message);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const only = values.only ?? process.env.BENCH_ONLY;
  // npm runs scripts in the package root; relative paths are the caller's.
  const cwd = process.env.INIT_CWD ?? process.cwd();
  if (values.compare && !existsSync(resolve(cwd, values.compare))) usageError(`--compare: no file ${values.compare}`);
  return {
    sections: only ? sectionsOf(only) : SECTIONS.filter((s) => !ON_REQUEST.includes(s)),
    ...(values.compare ? { compare: resolve(cwd, values.compare) } : {}),
    out: values.out ? resolve(cwd, values.out) : `${root}/bench/results/latest.json`,
    rounds: knob('BENCH_ROUNDS', 3),
    idleSeconds: knob('BENCH_IDLE_SECONDS', 15),
    startupRuns: knob('BENCH_STARTUP_RUNS', 10),
    stdioCalls: knob('BENCH_STDIO_CALLS', 500),
    loadSeconds: knob('BENCH_LOAD_SECONDS', 30),
    streams: knob('BENCH_STREAMS', 1000),
    settleSeconds: knob('BENCH_SETTLE_SECONDS', 60),
    ...baselineOf(cwd),
    knobs: {
      seconds: knob('BENCH_SECONDS', 5),
      latencySeconds: knob('BENCH_LATENCY_SECONDS', 3),
      latencyRequests: knob('BENCH_LATENCY_REQUESTS', 3000),
      bigRequests: knob('BENCH_BIG_REQUESTS', 200),
      bigConcurrency: knob('BENCH_BIG_CONCURRENCY', 8),
      smallConcurrency: knob('BENCH_CONCURRENCY', 32),
      sseRequests: knob('BENCH_SSE_REQUESTS', 100),
      getStreams: knob('BENCH_GET_STREAMS', 10),
      getEvents: knob('BENCH_GET_EVENTS', 2000),
      getPacedEvents: knob('BENCH_GET_PACED_EVENTS', 200),
    },
  };
}
