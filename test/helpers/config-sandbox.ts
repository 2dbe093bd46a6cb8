// A throwaway home for config-loading tests: an XDG config directory with the
// user file's folder, a state directory (where trusted project files are
// recorded), and a project directory bounded by its own package.json.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordTrust, projectDigest } from '../../src/config/trust.js';

export function configSandbox(prefix = 'map-cfg-') {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const xdg = join(root, 'xdg');
  const state = join(root, 'state');
  const project = join(root, 'project');
  mkdirSync(join(xdg, 'mcp-auth-proxy'), { recursive: true });
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), '{"name":"p"}');
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ XDG_CONFIG_HOME: xdg, XDG_STATE_HOME: state, ...extra });
  return {
    root,
    xdg,
    state,
    project,
    userFile: join(xdg, 'mcp-auth-proxy', 'config.json'),
    env,
    /** Records `file` as trusted as it is now (what `mcp-auth-proxy trust` does); for package.json, its key `packageKey`. */
    trust: (file: string, packageKey?: unknown) => recordTrust(env(), file, projectDigest(file, packageKey) as string),
  };
}

export const writeJson = (file: string, value: unknown) => writeFileSync(file, JSON.stringify(value));
