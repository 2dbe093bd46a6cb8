// loadConfig for the long-running daemon: runs it in a short-lived child
// process, so the validator (zod) and the file parsers never join the daemon's memory.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AppError, ConfigError, type ConfigProblem } from '../errors.js';
import type { LoadedConfig, LoadOptions } from './load.js';

/** What the loader tells its parent; errors travel as their fields and are rebuilt here. */
export type LoaderMessage =
  | { kind: 'warn'; message: string }
  | { kind: 'loaded'; loaded: LoadedConfig }
  | { kind: 'failed'; error: { code?: string; message: string; hint?: string | undefined; exitCode?: number; problems?: ConfigProblem[]; stack?: string | undefined } };

/**
 * The same answer as loadConfig, and the same errors (a ConfigError naming
 * every file, field and fix). Modules load once per process and stay: had the
 * daemon validated its config itself, zod's ~100 modules and the schema built
 * from them would occupy its memory for as long as it runs. A worker thread
 * would leave its malloc arena behind (about 2.5 MB); a process leaves nothing.
 */
export function loadConfigIsolated(options: LoadOptions): Promise<LoadedConfig> {
  const { warn, ...data } = options;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    // No node flags of ours (the daemon's heap settings): the loader is a plain short-lived node.
    const child = fork(fileURLToPath(new URL('./load-child.js', import.meta.url)), [], { execArgv: [], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (message: LoaderMessage) => {
      if (message.kind === 'warn') warn?.(message.message);
      else if (message.kind === 'loaded') settle(() => resolve(message.loaded));
      else settle(() => reject(rebuild(message.error)));
    });
    child.once('error', (error) => settle(() => reject(error)));
    child.once('exit', (code, signal) => settle(() => reject(new Error(`the config loader stopped (${signal ?? `exit code ${code}`}) before it answered`))));
    // The environment is the caller's (it can differ from process.env) and holds secrets: sent over IPC, never as arguments.
    child.send({ ...data, env: { ...data.env } });
  });
}

function rebuild(error: Extract<LoaderMessage, { kind: 'failed' }>['error']): Error {
  if (error.problems) return new ConfigError(error.problems, error.hint);
  if (error.code !== undefined) return new AppError(error.code, error.message, { ...(error.hint !== undefined ? { hint: error.hint } : {}), ...(error.exitCode !== undefined ? { exitCode: error.exitCode } : {}) });
  const failure = new Error(error.message);
  if (error.stack) failure.stack = error.stack;
  return failure;
}
