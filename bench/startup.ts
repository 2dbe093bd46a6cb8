// The startup section: wall time of `node bin/mcp-auth-proxy.js --version` and `--help`, spawned one after another
// (one uncounted warm-up each), median/min/max; a run that fails or prints the wrong thing counts as failed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseEnv, root } from './children.js';
import { median } from './stats.js';
import { ms, table } from './table.js';

export interface StartupRow {
  command: string;
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
  failures: number;
}

export interface StartupResult {
  date: string;
  rows: StartupRow[];
}

function timeCommand(args: string[], expect: (stdout: string) => boolean, runs: number): StartupRow {
  const times: number[] = [];
  let failures = 0;
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const result = spawnSync(process.execPath, ['bin/mcp-auth-proxy.js', ...args], { cwd: root, env: baseEnv(), encoding: 'utf8' });
    const elapsed = performance.now() - t0;
    if (i === 0) continue; // warm-up: file cache, compile cache
    if (result.status === 0 && expect(result.stdout)) times.push(elapsed);
    else failures += 1;
  }
  return { command: `mcp-auth-proxy ${args.join(' ')}`, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), runs: times.length, failures };
}

export function benchStartup(runs: number): StartupResult {
  const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const rows = [timeCommand(['--version'], (out) => out.includes(version), runs), timeCommand(['--help'], (out) => out.includes('Usage'), runs)];
  return { date: new Date().toISOString(), rows };
}

export function printStartup(result: StartupResult): void {
  const runs = result.rows[0]?.runs ?? 0;
  console.log(`\n## startup: wall time from spawn to exit, ${runs} runs after a warm-up\n`);
  const body = result.rows.map((r) => [r.command, ms(r.medianMs, 0), ms(r.minMs, 0), ms(r.maxMs, 0), String(r.failures)]);
  console.log(`${table(['command', 'median', 'min', 'max', 'failed'], body)}\n`);
}
