// The commands section: a warm `tools/call` round trip to a stdio MCP server
// through the proxy (the SDK client over Streamable HTTP to /{server}/mcp of a
// `start --detach` daemon, which writes it to the server's stdin) against the
// SDK client speaking stdio to the same server directly, in interleaved
// rounds of the same run. A plain keep-alive node:http client through the
// proxy too: the SDK's HTTP client costs more than the proxy does, and this
// row shows the proxy's own share. Then the memory of each server process the
// proxy runs (its group's RSS, as status reports it) and the daemon's per
// session.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { baseEnv, root, startDaemon, stopDaemon } from './children.js';
import { runJson } from './http-client.js';
import { memoryOf } from './proc.js';
import { distribution, median, medianDistribution, type Distribution } from './stats.js';
import { delta, mb, ms, table } from './table.js';

export interface CommandsRow {
  target: string;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export interface CommandsResult {
  date: string;
  calls: number;
  rounds: number;
  rows: CommandsRow[];
  /** p50 through the proxy (per-session) minus p50 direct. */
  addedP50Ms: number;
  memory: { sessions: number; childRssMb: number; daemonPerSessionMb: number };
}

const SERVER = join(root, 'bench', 'targets', 'stdio-echo.mjs');
const WARMUP = 200;
const SESSIONS = 10;
const TARGETS = {
  direct: 'SDK client → server (stdio, direct)',
  session: 'SDK client → proxy → server (per-session)',
  shared: 'SDK client → proxy → server (shared)',
  raw: 'node:http keep-alive → proxy → server (per-session)',
} as const;
const JSON_POST = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const CALL = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'raw' } } });

export interface CommandsInput {
  calls: number;
  rounds: number;
  log: (line: string) => void;
}

export async function benchCommands(input: CommandsInput): Promise<CommandsResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-auth-proxy-bench-commands-'));
  const config = join(dir, 'config.json');
  const entry = { command: process.execPath, args: [SERVER], cwd: root };
  writeFileSync(config, JSON.stringify({ servers: { echo: entry, 'echo-shared': { ...entry, sharing: 'shared' } } }));
  const daemon = await startDaemon(['--listen', '127.0.0.1:0', '--config', config], {});
  try {
    const clients = {
      [TARGETS.direct]: await connect(new StdioClientTransport({ command: process.execPath, args: [SERVER], cwd: root, env: baseEnv(), stderr: 'ignore' })),
      [TARGETS.session]: await connect(new StreamableHTTPClientTransport(new URL(`${daemon.url}/echo/mcp`))),
      [TARGETS.shared]: await connect(new StreamableHTTPClientTransport(new URL(`${daemon.url}/echo-shared/mcp`))),
    };
    const raw = await rawSession(`${daemon.url}/echo/mcp`);
    const rounds = new Map<string, Distribution[]>([...Object.keys(clients), TARGETS.raw].map((t) => [t, []]));
    for (const client of Object.values(clients)) await calls(client, WARMUP);
    await rawCalls(raw, WARMUP);
    const record = (round: number, target: string, d: Distribution) => {
      rounds.get(target)?.push(d);
      input.log(`commands round ${round + 1}/${input.rounds}: ${target}: p50 ${d.p50.toFixed(3)} ms`);
    };
    for (let round = 0; round < input.rounds; round++) {
      for (const [target, client] of Object.entries(clients)) record(round, target, distribution(await calls(client, input.calls)));
      record(round, TARGETS.raw, distribution(await rawCalls(raw, input.calls)));
    }
    const memory = await memoryPerChild(daemon);
    await Promise.all(Object.values(clients).map((c) => c.close()));
    const rows = [...rounds].map(([target, ds]) => {
      const d = medianDistribution(ds);
      return { target, p50Ms: d.p50, p99Ms: d.p99, meanMs: d.mean };
    });
    const p50 = (target: string) => rows.find((r) => r.target === target)?.p50Ms ?? Number.NaN;
    return { date: new Date().toISOString(), calls: input.calls, rounds: input.rounds, rows, addedP50Ms: p50(TARGETS.session) - p50(TARGETS.direct), memory };
  } finally {
    await stop(daemon.pid);
  }
}

/** SIGTERM, as `stop` sends it: the daemon ends its server processes before it exits (SIGKILL would leave them). */
async function stop(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && memoryOf(pid) !== undefined; i++) await sleep(100);
  stopDaemon(pid);
}

async function connect(transport: StdioClientTransport | StreamableHTTPClientTransport): Promise<Client> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  return client;
}

/** `n` sequential echo calls; each one's round trip in ms. Every answer is checked. */
async function calls(client: Client, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const text = `call ${i}`;
    const t = performance.now();
    const result = (await client.callTool({ name: 'echo', arguments: { text } })) as { content: Array<{ text?: string }> };
    times.push(performance.now() - t);
    if (result.content[0]?.text !== text) throw new Error(`commands: a wrong answer: ${JSON.stringify(result)}`);
  }
  return times;
}

interface RawSession {
  url: string;
  headers: Record<string, string>;
  /** Bytes of the one answer every call gets. */
  answerBytes: number;
}

/** A session opened by hand (initialize, initialized), and the size of the echo answer it gets. */
async function rawSession(url: string): Promise<RawSession> {
  const init = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench-raw', version: '1' } } };
  const opened = await fetch(url, { method: 'POST', headers: JSON_POST, body: JSON.stringify(init) });
  await opened.text();
  const headers = { ...JSON_POST, 'mcp-session-id': opened.headers.get('mcp-session-id') ?? '', 'mcp-protocol-version': '2025-06-18' };
  await (await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  const answer = await (await fetch(url, { method: 'POST', headers, body: CALL })).text();
  if (!answer.includes('"text":"raw"')) throw new Error(`commands: the raw client got ${answer}`);
  return { url, headers, answerBytes: Buffer.byteLength(answer) };
}

/** `n` sequential calls over one keep-alive connection; each answer must be the whole expected one. */
async function rawCalls(session: RawSession, n: number): Promise<number[]> {
  const run = await runJson({ url: session.url, headers: session.headers, body: CALL, expectBytes: session.answerBytes, concurrency: 1, requests: n });
  if (run.failures > 0) throw new Error(`commands: ${run.failures} raw calls failed`);
  return run.latencies;
}

/** Opens SESSIONS per-session sessions: each child's RSS (from status), and the daemon's growth per session. */
async function memoryPerChild(daemon: { pid: number; url: string }): Promise<CommandsResult['memory']> {
  const before = memoryOf(daemon.pid)?.rssMb ?? Number.NaN;
  const opened: Client[] = [];
  for (let i = 0; i < SESSIONS; i++) opened.push(await connect(new StreamableHTTPClientTransport(new URL(`${daemon.url}/echo/mcp`))));
  for (const client of opened) await calls(client, 20);
  const after = memoryOf(daemon.pid)?.rssMb ?? Number.NaN;
  const status = (await (await fetch(`${daemon.url}/statusz`)).json()) as { servers: { echo: { children: Array<{ memoryBytes?: number }> } } };
  const sizes = status.servers.echo.children.map((c) => (c.memoryBytes ?? Number.NaN) / 1024 / 1024);
  await Promise.all(opened.map((c) => c.close()));
  return { sessions: SESSIONS, childRssMb: median(sizes), daemonPerSessionMb: (after - before) / SESSIONS };
}

export function printCommands(result: CommandsResult): void {
  console.log(`\n## commands: warm tools/call to a stdio server, through the proxy vs direct (median of ${result.rounds} rounds of ${result.calls} sequential calls)\n`);
  console.log(`${table(['target', 'p50', 'p99', 'mean'], result.rows.map((r) => [r.target, ms(r.p50Ms), ms(r.p99Ms), ms(r.meanMs)]))}\n`);
  console.log(`added by the proxy at p50: ${delta(result.addedP50Ms)} (aim: ≤ 2 ms)`);
  console.log(`memory: ${mb(result.memory.childRssMb)} RSS per server process (median of ${result.memory.sessions}); the daemon ${delta(result.memory.daemonPerSessionMb, 2, ' MB')} per session\n`);
}
