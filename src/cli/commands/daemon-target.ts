// Which daemon `status` and `stop` talk about: the one serving the configured
// listen address (config layers and --listen, as `start` would use them).
import { loadConfig } from '../../config/load.js';
import { readLiveState, stateFile, type DaemonState } from '../../daemon/state.js';
import type { CommandContext } from '../context.js';

export interface TargetOptions {
  config?: string;
  listen?: string;
}

export async function findDaemon(ctx: CommandContext, options: TargetOptions): Promise<{ listen: string; file: string; state: DaemonState | undefined }> {
  const { config } = await loadConfig({
    cwd: ctx.cwd,
    env: ctx.env,
    ...(options.config ? { configFile: options.config } : {}),
    flags: options.listen ? { listen: options.listen } : {},
  });
  const file = stateFile(ctx.env, config.listen);
  return { listen: config.listen, file, state: await readLiveState(file) };
}
