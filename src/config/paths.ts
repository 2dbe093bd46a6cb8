// Where our files live: XDG base directories on Linux and macOS (as gh and
// most CLIs do), %APPDATA% / %LOCALAPPDATA% on Windows.
import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'mcp-auth-proxy';

export function userConfigDir(env: NodeJS.ProcessEnv, platform = process.platform): string {
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, APP_NAME);
  if (platform === 'win32' && env.APPDATA) return join(env.APPDATA, APP_NAME);
  return join(homedir(), '.config', APP_NAME);
}

export function userConfigFile(env: NodeJS.ProcessEnv, platform = process.platform): string {
  return join(userConfigDir(env, platform), 'config.json');
}

export function stateDir(env: NodeJS.ProcessEnv, platform = process.platform): string {
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, APP_NAME);
  if (platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, APP_NAME, 'state');
  return join(homedir(), '.local', 'state', APP_NAME);
}
