// Which daemon `status` and `stop` talk about: the one serving the configured
// listen address (config layers and --listen, as `start` would use them).
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../../config/load.js';
import { clientTokenFile } from '../../daemon/client-token.js';
import { ConfigError } from '../../errors.js';
import { DEFAULT_LISTEN } from '../../config/schema.js';
import { CLIENT_TOKEN_HEADER } from '../../proxy/guard.js';
import { readLiveState, stateFile, type DaemonState } from '../../daemon/state.js';
import { configWarnings, type CommandContext } from '../context.js';

export interface TargetOptions {
  config?: string;
  listen?: string;
}

export async function findDaemon(ctx: CommandContext, options: TargetOptions): Promise<{ listen: string; file: string; state: DaemonState | undefined }> {
  let listen: string;
  try {
    listen = (
      await loadConfig({
        cwd: ctx.cwd,
        env: ctx.env,
        ...(options.config ? { configFile: options.config } : {}),
        flags: options.listen ? { listen: options.listen } : {},
        warn: configWarnings(ctx),
      })
    ).config.listen;
  } catch (error) {
    // A broken config must not hide the daemon from `reload` (which then reports the problems) or `stop`.
    if (!(error instanceof ConfigError)) throw error;
    listen = options.listen ?? ctx.env.MCP_LISTEN_ADDR ?? DEFAULT_LISTEN;
  }
  const file = stateFile(ctx.env, listen);
  return { listen, file, state: await readLiveState(file) };
}

/** A request to the running daemon, with the client token when the install has one. */
export async function daemonFetch(ctx: CommandContext, state: DaemonState, path: string, init: { method?: string; body?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = init.body === undefined ? {} : { 'content-type': 'application/json' };
  try {
    const token = (await readFile(clientTokenFile(ctx.env), 'utf8')).trim();
    ctx.redactor.add(token);
    headers[CLIENT_TOKEN_HEADER] = token;
  } catch {
    // no token file: the daemon does not require one
  }
  return fetch(`${state.url}${path}`, { ...init, headers, signal: AbortSignal.timeout(3000) });
}
