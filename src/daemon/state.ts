// The daemon's state file ($XDG_STATE_HOME/mcp-auth-proxy/daemon-HOST-PORT.json):
// pid, URL, version and start time of the proxy serving one listen address,
// so `status`, `stop` and a second `start` can find it. Written once the
// proxy listens, removed when it stops; a file whose pid is gone is stale.
import { mkdirSync } from 'node:fs';
import { readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { stateDir } from '../config/paths.js';

export interface DaemonState {
  pid: number;
  url: string;
  listen: string;
  version: string;
  startedAt: string;
  logFile?: string;
}

export function stateFile(env: NodeJS.ProcessEnv, listen: string): string {
  return join(stateDir(env), `daemon-${listen.replace(/[^A-Za-z0-9.]+/g, '-')}.json`);
}

export function logFile(env: NodeJS.ProcessEnv): string {
  return join(stateDir(env), 'daemon.log');
}

export async function writeState(file: string, state: DaemonState): Promise<void> {
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

/** The state of a live daemon, or undefined; a stale file (dead pid) is removed on the way. */
export async function readLiveState(file: string): Promise<DaemonState | undefined> {
  let state: DaemonState;
  try {
    state = JSON.parse(await readFile(file, 'utf8')) as DaemonState;
  } catch {
    return undefined;
  }
  if (!isAlive(state.pid)) {
    await rm(file, { force: true });
    return undefined;
  }
  return state;
}

export async function removeState(file: string, pid: number): Promise<void> {
  try {
    const state = JSON.parse(await readFile(file, 'utf8')) as DaemonState;
    if (state.pid === pid) await rm(file, { force: true });
  } catch {
    // already gone
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
