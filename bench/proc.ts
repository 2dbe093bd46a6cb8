// Linux /proc readings for a bench child: resident memory (VmRSS, peak VmHWM), CPU time,
// open file descriptors, and the open-files limit. Undefined where there is no /proc.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface Memory {
  rssMb: number;
  hwmMb: number;
}

const mb = (kb: number) => Math.round((kb / 1024) * 10) / 10;

export function memoryOf(pid: number | undefined): Memory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1]);
    return { rssMb: mb(field('VmRSS')), hwmMb: mb(field('VmHWM')) };
  } catch {
    return undefined;
  }
}

export function openFds(pid: number | undefined): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** The soft `Max open files` limit (what `ulimit -n` shows) of a process; 'self' for the bench. */
export function openFilesLimit(pid: number | 'self' | undefined): number | undefined {
  try {
    const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
    const soft = /Max open files\s+(\S+)/.exec(limits)?.[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** User + system CPU time a process has used so far, in ms (/proc/<pid>/stat utime + stime, all threads). */
export function cpuMs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return undefined;
  }
}
