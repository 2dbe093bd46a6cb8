// doctor's checks of a command server: its program is found (on PATH, as
// the proxy will run it), its working directory exists, its secrets
// resolve, and it really starts: initialize and tools/list answered, then
// stopped, group and all.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import type { CommandServerConfig } from '../config/command-schema.js';
import { AppError } from '../errors.js';
import type { Redactor } from '../observability/redact.js';
import type { SecretResolver } from '../secrets/resolve.js';
import { quoted } from '../upstreams/stdio/status.js';
import { fail, pass, type CheckResult } from './check.js';

export async function commandChecks(name: string, server: CommandServerConfig, secrets: SecretResolver, redactor: Redactor, env: NodeJS.ProcessEnv): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const found = findProgram(server.command, env.PATH ?? '', process.platform);
  if (!found) {
    results.push(fail(`${name}: command`, `${quoted(server.command)} is not found on PATH`, `Install it, or write its absolute path in servers.${name}.command (PATH here: ${env.PATH ?? '(unset)'}).`));
    return results;
  }
  results.push(pass(`${name}: command`, `${[found, ...server.args].map(quoted).join(' ')}`));
  const { probeCommand } = await import('../upstreams/stdio/probe.js');
  let probe;
  try {
    probe = await probeCommand(name, server, secrets, redactor, env);
  } catch (error) {
    results.push(fail(`${name}: secret`, error instanceof Error ? error.message : String(error), error instanceof AppError ? error.hint : `Run \`mcp-auth-proxy login ${name}\`.`));
    return results;
  }
  results.push(pass(`${name}: secret`, Object.keys(server.env).length ? `env ${Object.keys(server.env).join(', ')} resolved` : 'no env declared'));
  results.push(probe.ok ? pass(`${name}: starts`, probe.detail) : fail(`${name}: starts`, probe.detail, `Run the command by hand to see why, or check servers.${name}.cwd and env; \`mcp-auth-proxy logs\` shows its stderr when the daemon runs it.`));
  return results;
}

/** The program the command names: a path as it is, a bare name looked up on PATH (with PATHEXT on Windows). */
export function findProgram(command: string, path: string, platform: NodeJS.Platform): string | undefined {
  const executable = (file: string) => {
    try {
      if (!statSync(file).isFile()) return false;
      if (platform !== 'win32') accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (isAbsolute(command) || command.includes('/') || (platform === 'win32' && command.includes('\\'))) return executable(command) ? command : undefined;
  const extensions = platform === 'win32' ? ['', ...(process.env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';')] : [''];
  for (const dir of path.split(platform === 'win32' ? ';' : delimiter)) {
    if (!dir) continue;
    for (const ext of extensions) if (executable(join(dir, command + ext))) return join(dir, command + ext);
  }
  return undefined;
}
