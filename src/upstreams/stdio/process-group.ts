// Starting a command as the leader of its own process group, and ending the
// whole group: `npx` (or `uvx`, `sh -c`) starts the real server as its child,
// and ending only the first process would leave that one running. On Windows
// there are no process groups: .cmd files start through cross-spawn, and
// `taskkill /T` ends the tree.
import { spawn as nodeSpawn, spawnSync, type ChildProcess } from 'node:child_process';
import crossSpawn from 'cross-spawn';
import { groupMembers } from './process-info.js';

export interface SpawnSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}

export function spawnGroup(spec: SpawnSpec, platform: NodeJS.Platform = process.platform): ChildProcess {
  const options = { cwd: spec.cwd, env: spec.env, stdio: ['pipe', 'pipe', 'pipe'] as ['pipe', 'pipe', 'pipe'], windowsHide: true };
  if (platform === 'win32') return crossSpawn(spec.command, spec.args, options);
  // detached: the child calls setsid(), so its pid is the group id of everything it starts.
  return nodeSpawn(spec.command, spec.args, { ...options, detached: true });
}

/** Sends `signal` to the group led by `pid` (Windows: SIGKILL ends the tree, other signals only the process). True when something got it. */
export function signalGroup(pid: number, signal: NodeJS.Signals, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'win32') {
    if (signal !== 'SIGKILL') return signalOne(pid, signal);
    // Windows has no group signals: taskkill walks the tree from the pid.
    return spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).status === 0;
  }
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Whether the group led by `pid` still has a running member (POSIX; on Windows, whether the process lives). */
export function groupAlive(pid: number, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'win32') return signalOne(pid, 0);
  try {
    process.kill(-pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // Linux tells a zombie (ended, not yet collected) from a running process; elsewhere the signal test is the answer.
  return platform !== 'linux' || groupMembers(pid).length > 0;
}

function signalOne(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
