// The children a daemon runs, recorded in the state directory (one small
// file per child, no secret in it), so a daemon that was killed outright
// (SIGKILL, a crash, a power cut of the session) has its children reaped by
// the next one that starts: a child of a daemon that is gone is ended, group
// and all, once it is proved to be that child and not a later process that
// got its pid.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { groupAlive, signalGroup } from './process-group.js';
import { startStamp, startState, startedAtMs } from './process-info.js';

interface ChildRecord {
  /** The daemon that started it, with its own start stamp (its pid may be reused too). */
  daemon: { pid: number; stamp?: string; spawnedAt: number };
  pid: number;
  stamp?: string;
  spawnedAt: number;
  server: string;
  command: string;
}

/** How far apart a recorded spawn time and the start time `ps` reports (whole seconds) may be. */
const CLOCK_SLACK_MS = 5_000;

export interface ProcessRecords {
  add(pid: number, server: string, command: string): void;
  remove(pid: number): void;
}

/** Records under `dir` (created 0700); a directory that cannot be written is reported once through `onError`. */
export function processRecords(dir: string, onError: (error: Error) => void = () => undefined): ProcessRecords {
  const daemon = { pid: process.pid, spawnedAt: Date.now() - Math.round(process.uptime() * 1000), ...stampOf(process.pid) };
  let failed = false;
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    onError(error as Error);
  };
  return {
    add(pid, server, command) {
      const record: ChildRecord = { daemon, pid, spawnedAt: Date.now(), server, command, ...stampOf(pid) };
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        // Written before the child can do much, synchronously: a daemon killed a moment later still left its record.
        const file = join(dir, `${pid}.json`);
        writeFileSync(`${file}.tmp`, JSON.stringify(record), { mode: 0o600 });
        renameSync(`${file}.tmp`, file);
      } catch (error) {
        fail(error);
      }
    },
    remove(pid) {
      rmSync(join(dir, `${pid}.json`), { force: true });
    },
  };
}

/**
 * Ends the children of daemons that are gone (this one's own records from a
 * previous life included) and removes their records. Children of a daemon
 * still running are left to it. Returns the pids signalled.
 */
export async function reapOrphans(dir: string, options: { graceMs?: number; platform?: NodeJS.Platform } = {}): Promise<number[]> {
  const platform = options.platform ?? process.platform;
  let entries: string[];
  try {
    entries = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const ended: number[] = [];
  for (const name of entries) {
    const file = join(dir, name);
    let record: ChildRecord;
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as ChildRecord;
    } catch {
      rmSync(file, { force: true });
      continue;
    }
    if (!isRecord(record)) {
      rmSync(file, { force: true });
      continue;
    }
    // A daemon still running (this one included) looks after its own children.
    if (isSame(record.daemon, platform)) continue;
    if (ours(record, platform)) {
      signalGroup(record.pid, 'SIGTERM', platform);
      ended.push(record.pid);
    }
    rmSync(file, { force: true });
  }
  if (ended.length > 0) await forceAfter(ended, options.graceMs ?? 2_000, platform);
  return ended;
}

function stampOf(pid: number): { stamp?: string } {
  const stamp = startStamp(pid);
  return stamp === undefined ? {} : { stamp };
}

/** Whether the process `who.pid` is the one recorded (same start) and still running, so it may be signalled. */
function isSame(who: { pid: number; stamp?: string; spawnedAt: number }, platform: NodeJS.Platform): boolean {
  try {
    process.kill(who.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (platform === 'linux' && startState(who.pid) === 'Z') return false;
  if (who.stamp !== undefined) return startStamp(who.pid, platform) === who.stamp;
  const started = startedAtMs(who.pid, platform);
  return started !== undefined && Math.abs(started - who.spawnedAt) <= CLOCK_SLACK_MS;
}

/**
 * The recorded child, or what is left of its group. A group whose leader is
 * gone but that still has members is ours: a group id is not handed out
 * again while a process is in that group.
 */
function ours(record: ChildRecord, platform: NodeJS.Platform): boolean {
  if (isSame(record, platform)) return true;
  let leaderAlive = true;
  try {
    process.kill(record.pid, 0);
  } catch {
    leaderAlive = false;
  }
  return !leaderAlive && platform !== 'win32' && groupAlive(record.pid, platform);
}

async function forceAfter(pids: number[], graceMs: number, platform: NodeJS.Platform): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some((pid) => groupAlive(pid, platform))) await new Promise((resolve) => setTimeout(resolve, 50));
  for (const pid of pids) if (groupAlive(pid, platform)) signalGroup(pid, 'SIGKILL', platform);
}

function isRecord(value: unknown): value is ChildRecord {
  const r = value as ChildRecord | null;
  return typeof r === 'object' && r !== null && Number.isSafeInteger(r.pid) && r.pid > 1 && typeof r.daemon === 'object' && r.daemon !== null && Number.isSafeInteger(r.daemon.pid) && typeof r.spawnedAt === 'number';
}
