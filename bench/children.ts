// The bench's child processes: start one and wait for its ready line, with its stderr (logs) in a file of a private
// temp dir that also holds XDG config/state, so no bench proxy reads or writes the user's files; stop them all at exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Start } from './load.js';

export const root = fileURLToPath(new URL('..', import.meta.url));
let dir: string | undefined;
const tempDir = () => (dir ??= mkdtempSync(join(tmpdir(), 'mcp-auth-proxy-bench-')));
const children: ChildProcess[] = [];
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

/** SIGKILL every child still running and remove the temp dir. */
export function stopAll(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
}
