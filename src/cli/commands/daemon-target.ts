// Which daemon `status`, `stop` and `reload` talk about: the one serving the
// configured listen address (config layers and --listen, as `start` would use
// them), and only when the process its state file names is really ours.
import { loadConfig } from '../../config/load.js';
import { ConfigError } from '../../errors.js';
import { DEFAULT_LISTEN } from '../../config/schema.js';
import { daemonRequest, readOurDaemon } from '../../daemon/identity.js';
import { stateFile, type DaemonState } from '../../daemon/state.js';
import { configWarnings, type CommandContext } from '../context.js';

export interface TargetOptions {
  config?: string;
  listen?: string;
}

export interface DaemonTarget {
  listen: string;
  file: string;
  /** Our live daemon for that address, if any. */
  state: DaemonState | undefined;
  /** A live process the state file named that is not our daemon: left alone, the file removed. */
  foreign?: { pid: number };
}

export async function findDaemon(ctx: CommandContext, options: TargetOptions): Promise<DaemonTarget> {
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
  const found = await readOurDaemon(file, ctx.env, (token) => ctx.redactor.add(token));
  if (found.foreign) ctx.stderr.write(`note: the state file for ${listen} named pid ${found.foreign.pid}, which is not mcp-auth-proxy (a leftover from a crash); it was removed and that process left alone.\n`);
  return { listen, file, state: found.daemon?.state, ...(found.foreign ? { foreign: found.foreign } : {}) };
}

/** A request to the running daemon, with the client token when the install has a valid one. */
export function daemonFetch(ctx: CommandContext, state: DaemonState, path: string, init: { method?: string; body?: string } = {}): Promise<Response> {
  return daemonRequest(ctx.env, state, path, { ...init, onToken: (token) => ctx.redactor.add(token) });
}
