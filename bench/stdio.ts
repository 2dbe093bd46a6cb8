// The stdio section: starts a signed SDK MCP upstream and the daemon, runs bench/stdio-round-trips.ts
// (`mcp-auth-proxy stdio` vs mcp-remote pointed at the daemon) and prints its table.
import { DAEMON_NODE_FLAGS } from '../src/daemon/detach.js';
import { baseEnv, root, start } from './children.js';
import { benchStdio, type StdioRow } from './stdio-round-trips.js';
import { ms, num, pct, table } from './table.js';

export interface StdioResult {
  date: string;
  calls: number;
  rows: StdioRow[];
  upstream: { requests: number; rejected: number };
}

export interface StdioInput {
  keyId: string;
  secret: string;
  calls: number;
  rounds: number;
  log: (line: string) => void;
}

export async function stdioSection(input: StdioInput): Promise<StdioResult> {
  const up = await start(['--import', 'tsx', 'bench/targets/mcp-upstream.ts'], { BENCH_KEY_ID: input.keyId, BENCH_SECRET: input.secret }, /LISTENING (\d+)/);
  const upstreamUrl = `http://127.0.0.1:${up.match[1]}/mcp`;
  const proxyEnv = { MCP_UPSTREAM_URL: upstreamUrl, MCP_API_KEY: input.keyId, MCP_API_SECRET: input.secret };
  const daemon = await start([...DAEMON_NODE_FLAGS, 'bin/mcp-auth-proxy.js', 'start', '--listen', '127.0.0.1:0'], proxyEnv, /listening on (http:\/\/\S+)/);
  const clientEnv = { ...baseEnv(), ...proxyEnv, MCP_LOG_LEVEL: 'warn' };
  const rows = await benchStdio({ root, upstreamUrl, daemonUrl: daemon.match[1] as string, env: clientEnv, calls: input.calls, rounds: input.rounds }, input.log);
  const upstream = (await (await fetch(`http://127.0.0.1:${up.match[1]}/stats`)).json()) as StdioResult['upstream'];
  daemon.child.kill('SIGKILL');
  up.child.kill('SIGKILL');
  return { date: new Date().toISOString(), calls: input.calls, rows, upstream };
}

export function printStdio(result: StdioResult, rounds: number): void {
  console.log(`\n## stdio: ${result.calls} sequential tools/call per client, ${rounds} rounds, medians\n`);
  const body = result.rows.map((r) => [r.target, ms(r.startMs, 0), num(r.callsPerSecond), ms(r.p50Ms, 2)]);
  console.log(table(['client', 'spawn to initialized', 'calls/s', 'call p50'], body));
  const [ours, remote] = result.rows;
  const ratio = ours && remote ? ours.callsPerSecond / remote.callsPerSecond : NaN;
  console.log(`\nstdio bridge / mcp-remote calls/s: ${pct(ratio)}   upstream: ${result.upstream.requests} requests, ${result.upstream.rejected} rejected\n`);
}
