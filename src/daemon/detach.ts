// `start --detach`: run the same `start` as a background process whose
// log goes to the daemon log, and return once it is ready (its state file
// names it and /healthz answers) or report why it did not start.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppError } from '../errors.js';
import { daemonRequest } from './identity.js';
import { readLiveState, type DaemonState } from './state.js';

/**
 * V8 flags the detached daemon runs with (the bench measures it as users start it). The young generation is capped
 * at 8 MB a semi-space instead of growing to 16: under load it is what the heap grows by first, and V8 gives it back
 * only once its memory reducer runs, which can take a minute after the load. At 8 MB a scavenge still finds nearly
 * all of a request's objects dead (measured: the same instructions per request as the default); smaller caps cost
 * throughput (4 MB: about 10% more per request), and --optimize-for-size cost more than half of it.
 * The old generation starts with room for 64 MB before its first full collection: the daemon's own heap is small
 * (about 8 MB live), so V8's limit for starting one stayed near 31 MB, and relaying 1 MB answers kept a full
 * collection under way every ~20 requests (measured at c=8: 218 in 5 s, about 690 answers/s); with 64 MB, none in
 * the same run and about 1,200 answers/s. It is a limit, not memory taken: idle RSS is unchanged (48.4 MB) and the
 * memory reducer still gives the heap back after a busy spell. A startup flag only (not allowed in NODE_OPTIONS, no
 * effect at run time), so a foreground `start` runs without it.
 */
export const DAEMON_NODE_FLAGS = ['--max-semi-space-size=8', '--initial-old-space-size=64'];

/**
 * The C library's malloc, told to keep at most two arenas (glibc otherwise
 * gives each busy thread its own, up to 8 per core: V8's GC helpers and the
 * libuv pool fill them under load and keep the memory afterwards), and to
 * give back the top of its heap past 128 KB as it always does by default
 * before its first large free (a fixed threshold stops glibc raising it, up
 * to 64 MB, once a large block was freed). Measured after 30 s of mixed load
 * and 45-60 s of rest: 58-60 MB of RSS with the arenas alone instead of
 * 61-62 (idle 48-50), and 57.6 instead of 58.4-58.6 MB with the threshold
 * too (4 runs), throughput unchanged. A value the user set is kept; glibc
 * alone reads these, and command servers never inherit them (they get a
 * clean environment, src/upstreams/stdio/environment.ts).
 */
export const DAEMON_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072' };

export function daemonEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const added = Object.entries(DAEMON_MALLOC_ENV).filter(([name]) => env[name] === undefined);
  return added.length === 0 ? env : { ...env, ...Object.fromEntries(added) };
}

export interface DetachOptions {
  /** Arguments for `start` in the child (no --detach). */
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stateFile: string;
  logFile: string;
  /** The CLI entry script (bin/mcp-auth-proxy.js). */
  entry: string;
  /** How long to wait for readiness. */
  timeoutMs?: number;
  onProgress?: (text: string) => void;
}

export async function detach(options: DetachOptions): Promise<DaemonState> {
  mkdirSync(dirname(options.logFile), { recursive: true, mode: 0o700 });
  const logStart = fileSize(options.logFile);
  // The daemon writes its log itself (rotated); its stdout and stderr, which carry only what comes before
  // the logger or after a crash, go to daemon.out.
  const outFile = join(dirname(options.logFile), 'daemon.out');
  const outStart = fileSize(outFile);
  const out = openSync(outFile, 'a', 0o600);
  const child = spawn(process.execPath, [...DAEMON_NODE_FLAGS, options.entry, 'start', ...options.args, '--log-file', options.logFile], {
    cwd: options.cwd,
    env: daemonEnvironment(options.env),
    detached: true,
    stdio: ['ignore', out, out],
    windowsHide: true,
  });
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();
  // Ctrl-C (or a kill) while we wait: the daemon is in its own process group and would go on alone; stop it too.
  let interrupted: NodeJS.Signals | undefined;
  let wake = () => {};
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = signal;
    wake();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    options.onProgress?.('Starting the daemon ... (Ctrl-C stops it)');
    while (Date.now() < deadline) {
      if (interrupted) throw await stopStarting(child, interrupted, () => exited !== undefined);
      if (exited !== undefined) {
        throw new AppError('DAEMON_FAILED', `The daemon exited (code ${exited}) before it was ready:\n${[logTail(options.logFile, logStart), logTail(outFile, outStart)].filter(Boolean).join('\n')}`, {
          hint: `Run \`mcp-auth-proxy start\` in the foreground to see the problem; full log: ${options.logFile}`,
        });
      }
      const state = await readLiveState(options.stateFile);
      if (state && state.pid === child.pid && (await healthy(state))) return state;
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    child.kill('SIGTERM');
    throw new AppError('DAEMON_TIMEOUT', 'The daemon did not become ready in time', { hint: `See ${options.logFile}` });
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

/** Stops the daemon being started (SIGTERM, then SIGKILL if it lingers) and says so. */
async function stopStarting(child: ChildProcess, signal: NodeJS.Signals, gone: () => boolean): Promise<AppError> {
  child.kill('SIGTERM');
  const until = Date.now() + 5000;
  while (!gone() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!gone()) child.kill('SIGKILL');
  return new AppError('DAEMON_INTERRUPTED', `Interrupted (${signal}): stopped the daemon that was starting (pid ${child.pid}); nothing is left running`, { exitCode: 130 });
}

async function healthy(state: DaemonState): Promise<boolean> {
  try {
    return (await daemonRequest(process.env, state, '/healthz', { token: false, timeoutMs: 1000 })).ok;
  } catch {
    return false;
  }
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function logTail(file: string, from: number): string {
  try {
    return readFileSync(file, 'utf8').slice(from).trim().split('\n').slice(-10).join('\n');
  } catch {
    return '';
  }
}
