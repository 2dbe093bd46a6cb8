// What `policy explain` and `policy test` share: the compiled policy of the
// loaded config, and a question to it (a caller and a server.name) checked
// against that config, with errors that say how to write it.
import { POLICY_METHODS } from '../config/policy-schema.js';
import type { Config } from '../config/schema.js';
import { LOCAL_PRINCIPAL } from '../identity/principal.js';
import { compilePolicy, type Caller, type Policy } from '../policy/compile.js';
import type { PolicyKind } from '../proxy/policy-step.js';

/** The config's policy; without one everything is allowed, which is what the proxy does too. */
export function policyOf(config: Config): Policy {
  return compilePolicy(config.policy ?? { default: 'allow', rules: [] });
}

export interface CallerInput {
  user?: string | undefined;
  groups?: readonly string[] | undefined;
  method?: string | undefined;
}

/**
 * The caller asked about. Local mode: the local user unless named. Team
 * mode: a user is needed, and a method whenever a rule depends on it.
 * Returns the caller, or the problem (for a flag or a table row to name).
 */
export function callerOf(config: Config, input: CallerInput): Caller | string {
  const team = config.mode === 'team';
  if (input.method !== undefined && !(POLICY_METHODS as readonly string[]).includes(input.method)) return `method "${input.method}" is not one of: ${POLICY_METHODS.join(', ')}`;
  if (team && input.user === undefined) return 'a team-mode proxy needs the caller: name the user (an email)';
  const usesMethods = config.policy?.rules.find((rule) => rule.when?.methods);
  if (team && input.method === undefined && usesMethods) return `rule "${usesMethods.id}" depends on how the caller signed in: name the method (${POLICY_METHODS.filter((m) => m !== 'local').join(', ')})`;
  return {
    user: input.user ?? LOCAL_PRINCIPAL.user,
    groups: input.groups ?? [],
    method: input.method ?? (team ? 'any' : 'local'),
  };
}

/** server.name split at its first dot, the server checked against the config; or the problem. */
export function targetOf(config: Config, kind: PolicyKind, value: string): { server: string; name: string } | string {
  const dot = value.indexOf('.');
  const servers = Object.keys(config.servers);
  const example = `${servers[0] ?? 'github'}.${kind === 'resource' ? 'file:///notes.md' : kind === 'prompt' ? 'summarize' : 'search_code'}`;
  if (dot <= 0 || dot === value.length - 1) return `"${value}" is not server.${kind === 'resource' ? 'uri' : 'name'}; write e.g. "${example}"`;
  const server = value.slice(0, dot);
  if (!servers.includes(server)) return `no server named "${server}" is configured (configured: ${servers.length ? servers.join(', ') : 'none'})`;
  return { server, name: value.slice(dot + 1) };
}
