// The stdio part of `npm run bench`: tool-call round trips per second, and
// time from spawn to a completed initialize, for an SDK stdio client driving
// `mcp-auth-proxy stdio` and driving `mcp-remote` pointed at the daemon,
// against the same signed MCP upstream in the same run.
import { createRequire } from 'node:module';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export interface StdioRow {
  target: string;
  startMs: number;
  callsPerSecond: number;
  p50Ms: number;
}

export interface StdioBenchInput {
  root: string;
  upstreamUrl: string;
  daemonUrl: string;
  env: Record<string, string>;
  calls: number;
  rounds: number;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function measure(command: string[], env: Record<string, string>, cwd: string, calls: number): Promise<Omit<StdioRow, 'target'>> {
  const started = performance.now();
  const transport = new StdioClientTransport({ command: process.execPath, args: command, env, cwd, stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  const startMs = performance.now() - started;
  const times: number[] = [];
  const loop = performance.now();
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    times.push(performance.now() - t);
  }
  const seconds = (performance.now() - loop) / 1000;
  await client.close();
  return { startMs, callsPerSecond: calls / seconds, p50Ms: median(times) };
}

export async function benchStdio(input: StdioBenchInput, log: (line: string) => void): Promise<StdioRow[]> {
  const mcpRemote = createRequire(import.meta.url).resolve('mcp-remote/dist/proxy.js');
  const targets = [
    { target: 'mcp-auth-proxy stdio', command: ['bin/mcp-auth-proxy.js', 'stdio', 'default'] },
    { target: 'mcp-remote → daemon', command: [mcpRemote, `${input.daemonUrl}/mcp`, '--transport', 'http-only'] },
  ];
  const samples = new Map(targets.map((t) => [t.target, [] as Array<Omit<StdioRow, 'target'>>]));
  for (let round = 1; round <= input.rounds; round++) {
    for (const t of targets) {
      const result = await measure(t.command, input.env, input.root, input.calls);
      samples.get(t.target)?.push(result);
      log(`stdio round ${round}/${input.rounds} ${t.target}: start ${result.startMs.toFixed(0)} ms, ${Math.round(result.callsPerSecond)} calls/s`);
    }
  }
  return targets.map(({ target }) => {
    const runs = samples.get(target) ?? [];
    return {
      target,
      startMs: median(runs.map((r) => r.startMs)),
      callsPerSecond: median(runs.map((r) => r.callsPerSecond)),
      p50Ms: median(runs.map((r) => r.p50Ms)),
    };
  });
}
