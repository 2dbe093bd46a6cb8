// The daemon's state file ($XDG_STATE_HOME/mcp-auth-proxy/daemon-HOST-PORT.json):
// pid, URL, version and start time of the proxy serving one listen address,
// so `status`, `stop` and a second `start` can find it. Written once the
// proxy listens, removed when it stops; a file whose pid is gone is stale,
// and one whose pid is not our daemon (./identity.ts) is treated the same.
import { readFile, rm, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { stateDir } from '../config/paths.js';
import { ensureStateDir } from './state-dir.js';

export interface DaemonState {
  pid: number;
  url: string;
  listen: string;
  version: string;
  startedAt: string;
  logFile?: string;
  /** An HTTPS daemon's certificate (SHA-256 fingerprint, as Node prints it): the CLI believes no other. */
  tlsFingerprint?: string;
}

export function stateFile(env: NodeJS.ProcessEnv, listen: string): string {
  return join(stateDir(env), `daemon-${listen.replace(/[^A-Za-z0-9.]+/g, '-')}.json`);
}

export function logFile(env: NodeJS.ProcessEnv): string {
  return join(stateDir(env), 'daemon.log');
}

export async function writeState(env: NodeJS.ProcessEnv, file: string, state: DaemonState): Promise<void> {
  await ensureStateDir(env);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
}

/** The state file's content when it is well-formed, else undefined. */
export async function readState(file: string): Promise<DaemonState | undefined> {
  const read = await readStateFile(file);
  return read.kind === 'ok' ? read.state : undefined;
}

async function readStateFile(file: string): Promise<{ kind: 'ok'; state: DaemonState } | { kind: 'missing' } | { kind: 'invalid' }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { kind: 'missing' };
  }
  try {
    const state: unknown = JSON.parse(text);
    return isDaemonState(state) ? { kind: 'ok', state } : { kind: 'invalid' };
  } catch {
    return { kind: 'invalid' };
  }
}

/**
 * The state of a live process, or undefined; a stale file (dead pid, or not a
 * state file at all) is removed on the way. A missing file is left alone: a
 * daemon may be renaming its new one into place this very moment. Whether the
 * process is our daemon is for ./identity.ts to say.
 */
export async function readLiveState(file: string): Promise<DaemonState | undefined> {
  const read = await readStateFile(file);
  if (read.kind === 'missing') return undefined;
  if (read.kind === 'invalid' || !isAlive(read.state.pid)) {
    await rm(file, { force: true });
    return undefined;
  }
  return read.state;
}

/** A pid we may ever signal: 0 and negative numbers address process groups (-1: every process), 1 is init. */
export function isSignallablePid(pid: unknown): pid is number {
  return typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 1;
}

function isDaemonState(value: unknown): value is DaemonState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return isSignallablePid(v.pid) && typeof v.url === 'string' && /^https?:\/\//.test(v.url) && typeof v.startedAt === 'string' && typeof v.listen === 'string';
}

export async function removeState(file: string, pid: number): Promise<void> {
  if ((await readState(file))?.pid === pid) await rm(file, { force: true });
}

export function isAlive(pid: number): boolean {
  if (!isSignallablePid(pid)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
