// What starting a command server takes, from its config entry: its secret
// references resolved (registered for redaction, held in memory only, never
// written anywhere), the environment built from nothing, "${NAME}" in its
// arguments filled in, `~` in its working directory expanded.
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CommandServerConfig } from '../../config/command-schema.js';
import { ARG_PLACEHOLDER } from '../../config/command-values.js';
import { CALLER } from '../../config/team-values.js';
import { Redactor } from '../../observability/redact.js';
import { isSecretReference } from '../../secrets/reference.js';
import type { SecretResolver } from '../../secrets/resolve.js';
import { childEnvironment } from './environment.js';
import type { SpawnSpec } from './process-group.js';

export interface ResolvedCommand {
  /** Args as configured ("${NAME}" filled in per process, once the caller's variables are known). */
  spec: SpawnSpec;
  callerVariables: string[];
  /** Takes this server's secret values out of what its process writes. */
  redact: (text: string) => string;
  /** Changes whenever what the process would start with changes, secret values included (never stored). */
  fingerprint: string;
}

export async function resolveCommand(name: string, server: CommandServerConfig, secrets: SecretResolver, parentEnv: NodeJS.ProcessEnv = process.env): Promise<ResolvedCommand> {
  const declared: Record<string, string> = {};
  const callerVariables: string[] = [];
  const own = new Redactor();
  for (const [variable, value] of Object.entries(server.env)) {
    if (value === CALLER) {
      callerVariables.push(variable);
      continue;
    }
    if (isSecretReference(value)) {
      const resolved = await secrets.resolve(value, `servers.${name}.env.${variable}`, name);
      own.add(resolved);
      declared[variable] = resolved;
    } else declared[variable] = value;
  }
  const home = parentEnv.HOME ?? homedir();
  const cwd = server.cwd === undefined || server.cwd === '~' ? home : server.cwd.startsWith('~/') ? join(home, server.cwd.slice(2)) : server.cwd;
  const spec: SpawnSpec = { command: server.command, args: server.args, env: childEnvironment(parentEnv, declared), cwd };
  const fingerprint = createHash('sha256').update(JSON.stringify([spec, callerVariables, server.sharing])).digest('hex');
  return { spec, callerVariables, redact: own.size > 0 ? (text) => own.redact(text) : (text) => text, fingerprint };
}

/** The arguments with each "${NAME}" replaced by the value of env NAME (the config check made sure each is declared). */
export function expandArgs(args: string[], env: Record<string, string>): string[] {
  return args.map((arg) => (arg.includes('${') ? arg.replace(ARG_PLACEHOLDER, (whole, variable: string) => env[variable] ?? whole) : arg));
}
