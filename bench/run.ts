// `npm run bench`: one run measures the same upstream reached directly,
// through mcp-auth-proxy (built CLI, default logging), and through a bare
// node:http piping proxy that signs the same way: p50/p99 latency at
// concurrency 1, requests/s at concurrency 32, and the proxy's peak RSS.
// Rounds are interleaved so drift on a shared machine hits every target alike.
// Then stdio: tool-call round trips through `mcp-auth-proxy stdio` and through
// mcp-remote pointed at the daemon, against one signed MCP upstream.
// Then load (bench/load.ts): mixed JSON/SSE load at c=64 with the proxy's RSS
// over time, and BENCH_STREAMS (1000) SSE streams held open at once.
// BENCH_ONLY=load runs the load section alone and replaces only `load` in an
// existing bench/results/latest.json (the other sections' figures are kept).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { DAEMON_NODE_FLAGS } from '../src/daemon/detach.js';
import { benchLoad, type LoadResult } from './load.js';
import { benchStdio, type StdioRow } from './stdio-round-trips.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const LATENCY_REQUESTS = Number(process.env.BENCH_LATENCY_REQUESTS ?? 3000);
const STDIO_CALLS = Number(process.env.BENCH_STDIO_CALLS ?? 500);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 30);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);
/** `load`: only the load section (see the header). */
const ONLY = process.env.BENCH_ONLY;
const KEY_ID = 'bench-key';
const SECRET = randomBytes(24).toString('hex');
const BODY = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } });
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

interface Target {
  name: string;
  url: string;
  pid?: number;
}

const children: ChildProcess[] = [];

function start(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, { cwd: root, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      out += c;
      const match = ready.exec(out);
      if (match) resolve({ child, match });
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

async function latency(url: string): Promise<{ p50: number; p99: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      const req = http.request(url, { method: 'POST', headers: { ...HEADERS, 'content-length': Buffer.byteLength(BODY) }, agent }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(BODY);
    });
  for (let i = 0; i < 300; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_REQUESTS; i++) samples.push(await once());
  agent.destroy();
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number;
  return { p50: at(0.5), p99: at(0.99) };
}

async function throughput(url: string): Promise<{ rps: number; errors: number; non2xx: number }> {
  const result = await autocannon({ url, connections: 32, duration: SECONDS, method: 'POST', headers: HEADERS, body: BODY });
  return { rps: result.requests.average, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

function peakRssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return Math.round((kb / 1024) * 10) / 10;
  } catch {
    return undefined; // not Linux: no /proc
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const fixed = (n: number | undefined, digits = 3) => (n === undefined ? 'n/a' : n.toFixed(digits));

async function main(): Promise<void> {
  const env = { BENCH_KEY_ID: KEY_ID, BENCH_SECRET: SECRET };
  const tsx = ['--import', 'tsx'];
  const earlier = ONLY === 'load' ? savedResults() : { date: new Date().toISOString(), node: process.version, ...(await proxySection(env, tsx)), stdio: await stdioSection(env, tsx) };
  const load = await loadSection();
  mkdirSync(`${root}/bench/results`, { recursive: true });
  writeFileSync(`${root}/bench/results/latest.json`, `${JSON.stringify({ ...earlier, load }, null, 2)}\n`);
  console.log('saved bench/results/latest.json');
}

function savedResults(): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(`${root}/bench/results/latest.json`, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function loadSection(): Promise<LoadResult> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  return benchLoad({ start, keyId: KEY_ID, secret: SECRET, seconds: LOAD_SECONDS, streams: STREAMS, log });
}

async function proxySection(env: Record<string, string>, tsx: string[]): Promise<{ rows: unknown[]; summary: Record<string, unknown> }> {
  const up = await start([...tsx, 'bench/targets/upstream.ts'], env, /LISTENING (\d+)/);
  const upstreamUrl = `http://127.0.0.1:${up.match[1]}/mcp`;
  const bare = await start([...tsx, 'bench/targets/bare-proxy.ts'], { ...env, BENCH_UPSTREAM: upstreamUrl }, /LISTENING (\d+)/);
  const proxyEnv = { MCP_UPSTREAM_URL: upstreamUrl, MCP_API_KEY: KEY_ID, MCP_API_SECRET: SECRET };
  const proxy = await start(['bin/mcp-auth-proxy.js', 'start', '--listen', '127.0.0.1:0'], proxyEnv, /listening on (http:\/\/\S+)/);
  // The same proxy as `start --detach` launches it (V8 told to favour a small heap).
  const daemon = await start([...DAEMON_NODE_FLAGS, 'bin/mcp-auth-proxy.js', 'start', '--listen', '127.0.0.1:0'], proxyEnv, /listening on (http:\/\/\S+)/);
  const targets: Target[] = [
    { name: 'direct', url: upstreamUrl },
    { name: 'bare node:http proxy', url: `http://127.0.0.1:${bare.match[1]}/mcp`, pid: bare.child.pid },
    { name: 'mcp-auth-proxy', url: `${proxy.match[1]}/mcp`, pid: proxy.child.pid },
    { name: 'mcp-auth-proxy daemon', url: `${daemon.match[1]}/mcp`, pid: daemon.child.pid },
  ];
  const samples = new Map(targets.map((t) => [t.name, { p50: [] as number[], p99: [] as number[], rps: [] as number[], errors: 0, non2xx: 0 }]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const target of targets) {
      const s = samples.get(target.name)!;
      const lat = await latency(target.url);
      const tp = await throughput(target.url);
      s.p50.push(lat.p50);
      s.p99.push(lat.p99);
      s.rps.push(tp.rps);
      s.errors += tp.errors;
      s.non2xx += tp.non2xx;
      process.stderr.write(`round ${round}/${ROUNDS} ${target.name}: p50 ${fixed(lat.p50)} ms, ${Math.round(tp.rps)} req/s\n`);
    }
  }
  const stats = (await (await fetch(`http://127.0.0.1:${up.match[1]}/stats`)).json()) as { signed: number; rejected: number };
  const rows = targets.map((t) => {
    const s = samples.get(t.name)!;
    return { target: t.name, p50Ms: median(s.p50), p99Ms: median(s.p99), rps: median(s.rps), errors: s.errors, non2xx: s.non2xx, peakRssMb: peakRssMb(t.pid) };
  });
  const [direct, bareRow, ours, daemonRow] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
  const summary = {
    proxyVsBareRps: ours.rps / bareRow.rps,
    addedP50Ms: ours.p50Ms - direct.p50Ms,
    proxyPeakRssMb: ours.peakRssMb,
    daemonVsBareRps: daemonRow.rps / bareRow.rps,
    daemonPeakRssMb: daemonRow.peakRssMb,
    signedRequests: stats.signed,
    rejectedSignatures: stats.rejected,
  };

  console.log(`\nmcp-auth-proxy bench: ${ROUNDS} interleaved rounds, medians; c=1 over ${LATENCY_REQUESTS} requests, c=32 for ${SECONDS}s (autocannon)\n`);
  console.log(`${'target'.padEnd(24)}${'p50 c=1'.padStart(10)}${'p99 c=1'.padStart(10)}${'req/s c=32'.padStart(12)}${'errors'.padStart(8)}${'peak RSS'.padStart(10)}`);
  for (const r of rows) {
    console.log(`${r.target.padEnd(24)}${`${fixed(r.p50Ms)}ms`.padStart(10)}${`${fixed(r.p99Ms)}ms`.padStart(10)}${Math.round(r.rps).toString().padStart(12)}${String(r.errors + r.non2xx).padStart(8)}${(r.peakRssMb === undefined ? '-' : `${r.peakRssMb}MB`).padStart(10)}`);
  }
  console.log(`\nproxy / bare req/s: ${(summary.proxyVsBareRps * 100).toFixed(1)}%   added p50 over direct: ${fixed(summary.addedP50Ms)} ms   proxy peak RSS: ${summary.proxyPeakRssMb} MB`);
  console.log(`daemon (start --detach flags) / bare req/s: ${(summary.daemonVsBareRps * 100).toFixed(1)}%   daemon peak RSS: ${summary.daemonPeakRssMb} MB`);
  console.log(`signatures: ${summary.signedRequests} verified by the upstream, ${summary.rejectedSignatures} rejected`);
  return { rows, summary };
}

async function stdioSection(env: Record<string, string>, tsx: string[]): Promise<StdioRow[]> {
  const up = await start([...tsx, 'bench/targets/mcp-upstream.ts'], env, /LISTENING (\d+)/);
  const upstreamUrl = `http://127.0.0.1:${up.match[1]}/mcp`;
  const proxyEnv = { MCP_UPSTREAM_URL: upstreamUrl, MCP_API_KEY: KEY_ID, MCP_API_SECRET: SECRET };
  const daemon = await start([...DAEMON_NODE_FLAGS, 'bin/mcp-auth-proxy.js', 'start', '--listen', '127.0.0.1:0'], proxyEnv, /listening on (http:\/\/\S+)/);
  const clientEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...proxyEnv, MCP_LOG_LEVEL: 'warn' };
  const rows = await benchStdio({ root, upstreamUrl, daemonUrl: daemon.match[1] as string, env: clientEnv, calls: STDIO_CALLS, rounds: ROUNDS }, (line) => process.stderr.write(`${line}\n`));
  const stats = (await (await fetch(`http://127.0.0.1:${up.match[1]}/stats`)).json()) as { requests: number; rejected: number };
  console.log(`\nstdio: ${STDIO_CALLS} sequential tools/call per client, ${ROUNDS} rounds, medians\n`);
  console.log(`${'client'.padEnd(24)}${'start'.padStart(10)}${'calls/s'.padStart(10)}${'p50'.padStart(10)}`);
  for (const r of rows) console.log(`${r.target.padEnd(24)}${`${r.startMs.toFixed(0)}ms`.padStart(10)}${Math.round(r.callsPerSecond).toString().padStart(10)}${`${fixed(r.p50Ms)}ms`.padStart(10)}`);
  const [ours, remote] = rows as [StdioRow, StdioRow];
  console.log(`\nstdio bridge / mcp-remote calls/s: ${((ours.callsPerSecond / remote.callsPerSecond) * 100).toFixed(1)}%   upstream: ${stats.requests} requests, ${stats.rejected} rejected`);
  return rows;
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill('SIGKILL');
  });
