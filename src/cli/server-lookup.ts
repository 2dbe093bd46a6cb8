// One configured server by name, for the commands that act on one (login,
// logout, mcp-json): the same error, listing the configured names, everywhere.
import { loadConfig } from '../config/load.js';
import type { Config, ServerConfig } from '../config/schema.js';
import { AppError, EXIT_USAGE } from '../errors.js';
import { configWarnings, type CommandContext } from './context.js';

export function unknownServer(name: string, config: Config, hint?: string): AppError {
  const names = Object.keys(config.servers);
  return new AppError('UNKNOWN_SERVER', `No server named "${name}"; configured: ${names.join(', ') || '(none)'}`, {
    ...(hint ? { hint } : {}),
    exitCode: EXIT_USAGE,
  });
}

export async function loadServer(ctx: CommandContext, name: string, configFile: string | undefined, hint?: string): Promise<ServerConfig> {
  const { config } = await loadConfig({ cwd: ctx.cwd, env: ctx.env, ...(configFile ? { configFile } : {}), warn: configWarnings(ctx) });
  const server = config.servers[name];
  if (!server) throw unknownServer(name, config, hint);
  return server;
}
