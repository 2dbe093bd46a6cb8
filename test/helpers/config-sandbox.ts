// A throwaway home for config-loading tests: an XDG config directory with the
// user file's folder, and a project directory bounded by its own package.json.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function configSandbox(prefix = 'map-cfg-') {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const xdg = join(root, 'xdg');
  const project = join(root, 'project');
  mkdirSync(join(xdg, 'mcp-auth-proxy'), { recursive: true });
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), '{"name":"p"}');
  return { root, xdg, project, userFile: join(xdg, 'mcp-auth-proxy', 'config.json') };
}

export const writeJson = (file: string, value: unknown) => writeFileSync(file, JSON.stringify(value));
