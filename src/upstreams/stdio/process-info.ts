// What the proxy can learn about a child process without a native module:
// when it started (to tell our child from a later process that reuses its
// pid) and the memory of its whole group (npx and the server it started).
// Linux reads /proc; macOS and the BSDs ask ps; Windows asks PowerShell.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The fields after the command name of /proc/PID/stat (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * A stamp of the process's start that a reused pid cannot repeat: on Linux its
 * start time in clock ticks since boot (exact); elsewhere undefined, and the
 * spawn time recorded beside the pid is compared with `startedAtMs` instead.
 */
export function startStamp(pid: number, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform !== 'linux') return undefined;
  return statFields(pid)?.[19];
}

/** The process's state letter from /proc (R, S, Z...), Linux only. */
export function startState(pid: number): string | undefined {
  return statFields(pid)?.[0];
}

/** When the process started, to the second (macOS, BSD, Windows); undefined when it cannot be told. */
export function startedAtMs(pid: number, platform: NodeJS.Platform = process.platform): number | undefined {
  try {
    const text =
      platform === 'win32'
        ? execFileSync('powershell', ['-NoProfile', '-Command', `(Get-Process -Id ${pid}).StartTime.ToUniversalTime().ToString('o')`], { encoding: 'utf8', windowsHide: true, timeout: 5000 })
        : execFileSync('ps', ['-o', 'lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 5000, env: { ...process.env, LC_ALL: 'C' } });
    const at = Date.parse(text.trim());
    return Number.isNaN(at) ? undefined : at;
  } catch {
    return undefined;
  }
}

/**
 * Resident memory of each group in `pgids` (every process in it), in bytes, in
 * one pass over the processes (status asks for all of a server's children at
 * once, on the daemon's thread); a group missing from the map could not be
 * read (Windows).
 */
export function groupMemories(pgids: readonly number[], platform: NodeJS.Platform = process.platform): Map<number, number> {
  const totals = new Map<number, number>();
  if (pgids.length === 0 || platform === 'win32') return totals;
  const wanted = new Set(pgids);
  if (platform === 'linux') {
    for (const pgid of wanted) totals.set(pgid, 0);
    for (const [pid, pgid] of processGroups()) {
      if (!wanted.has(pgid)) continue;
      try {
        const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        totals.set(pgid, (totals.get(pgid) ?? 0) + (kb ? Number(kb) * 1024 : 0));
      } catch {
        // gone meanwhile
      }
    }
    return totals;
  }
  try {
    const rows = execFileSync('ps', ['-A', '-o', 'pgid=,rss='], { encoding: 'utf8', timeout: 5000 });
    for (const pgid of wanted) totals.set(pgid, 0);
    for (const row of rows.split('\n')) {
      const [group, rss] = row.trim().split(/\s+/);
      const pgid = Number(group);
      if (wanted.has(pgid)) totals.set(pgid, (totals.get(pgid) ?? 0) + Number(rss) * 1024);
    }
  } catch {
    totals.clear();
  }
  return totals;
}

/** Each running process's pid and group id, from /proc (Linux); zombies left out. */
function* processGroups(): Generator<[number, number]> {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields && fields[0] !== 'Z') yield [Number(entry), Number(fields[2])];
  }
}

/**
 * The running pids of the group `pgid` (Linux). Zombies do not count: they run
 * nothing, and in a container whose init never collects orphans they stay.
 */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const [pid, group] of processGroups()) if (group === pgid) members.push(pid);
  return members;
}
