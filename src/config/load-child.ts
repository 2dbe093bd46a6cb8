// The child process of load-isolated.ts: takes the load options over IPC,
// loads the config with loadConfig and sends back what it said (warnings as
// they come, then the result or the error), then leaves.
import { AppError, ConfigError } from '../errors.js';
import { loadConfig, type LoadOptions } from './load.js';
import type { LoaderMessage } from './load-isolated.js';

if (!process.send) throw new Error('load-child.js runs only as a child process of load-isolated.ts');
const send = (message: LoaderMessage) => new Promise<void>((resolve) => process.send?.(message, undefined, undefined, () => resolve()));

process.once('message', async (options: Omit<LoadOptions, 'warn'>) => {
  try {
    const loaded = await loadConfig({ ...options, warn: (message) => void send({ kind: 'warn', message }) });
    await send({ kind: 'loaded', loaded });
  } catch (error) {
    await send({ kind: 'failed', error: describe(error) });
  }
  process.disconnect();
});

function describe(error: unknown): Extract<LoaderMessage, { kind: 'failed' }>['error'] {
  if (error instanceof ConfigError) return { code: error.code, message: error.message, hint: error.hint, exitCode: error.exitCode, problems: error.problems };
  if (error instanceof AppError) return { code: error.code, message: error.message, hint: error.hint, exitCode: error.exitCode };
  const failure = error instanceof Error ? error : new Error(String(error));
  return { message: failure.message, stack: failure.stack };
}
