// The bench's child processes: start one and wait for its ready line, with its stderr (logs) in a file of a private
// temp dir that also holds XDG config/state, so no bench proxy reads or writes the user's files; a daemon started
// with `start --detach` as users start it; stop them all at exit.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Start } from './load.js';

export const root = fileURLToPath(new URL('..', import.meta.url));
let dir: string | undefined;
const tempDir = () => (dir ??= mkdtempSync(join(tmpdir(), 'mcp-auth-proxy-bench-')));
const children: ChildProcess[] = [];
/** Daemons started with --detach: not our children, so stopped by pid. */
const daemons: number[] = [];
let count = 0;
const READY_TIMEOUT_MS = 30_000;

/** The environment every bench child starts from: PATH, HOME, and XDG config/state dirs in the bench's temp dir. */
export function baseEnv(): Record<string, string> {
  const d = tempDir();
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', XDG_CONFIG_HOME: join(d, 'config'), XDG_STATE_HOME: join(d, 'state') };
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-5).join('\n');
  } catch {
    return '';
  }
}

/** `node <args>` in the repo root with a minimal environment plus `env`; resolves once stdout matches `ready`. */
export const start: Start = (args, env, ready) => {
  const log = join(tempDir(), `child-${++count}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(process.execPath, args, { cwd: root, env: { ...baseEnv(), ...env }, stdio: ['ignore', 'pipe', fd] });
  closeSync(fd);
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} not ready after ${READY_TIMEOUT_MS} ms\n${tail(log)}`)), READY_TIMEOUT_MS);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      if (out.length < 65_536) out += chunk;
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}\n${tail(log)}`));
    });
  });
};

/**
 * `mcp-auth-proxy start --detach` with `args` after it, as a user runs it (its own node flags, its log file in the
 * bench's XDG state dir); resolves with the daemon's pid and URL once the command returned.
 */
export function startDaemon(args: string[], env: Record<string, string>): Promise<{ pid: number; url: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['bin/mcp-auth-proxy.js', 'start', '--detach', ...args], { cwd: root, env: { ...baseEnv(), ...env }, timeout: READY_TIMEOUT_MS }, (error, stdout, stderr) => {
      const found = /running at (http:\/\/\S+) \(pid (\d+)\)/.exec(stdout);
      if (found) daemons.push(Number(found[2]));
      if (error || !found) return reject(new Error(`start --detach failed: ${error?.message ?? 'no "running at" line'}\n${stdout}${stderr}`));
      resolve({ pid: Number(found[2]), url: found[1] as string });
    });
  });
}

/** Stops a daemon started by startDaemon now. */
export function stopDaemon(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

/** SIGKILL every child and daemon still running and remove the temp dir. */
export function stopAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const pid of daemons) stopDaemon(pid);
  if (dir) rmSync(dir, { recursive: true, force: true });
}
