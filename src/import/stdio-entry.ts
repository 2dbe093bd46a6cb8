// A stdio entry of an agent's config as a command server: its command and
// arguments as they are, its env with each secret moved to the keychain
// (`keychain:` references), `${VAR}` expansions read from the proxy's
// environment instead, and secrets in arguments (after --token-like flags,
// in --flag=value, a URL's password, a token on its own) moved to env
// variables the arguments name as "${NAME}".
import { isAbsolute } from 'node:path';
import { isSecretName, isSecretValue, urlPassword } from '../secrets/looks-secret.js';
import type { AgentEntry, PropertyMapping } from './agent-file.js';
import { MASK, accountFor, variableFor, type FoundSecret, type ImportedEntry } from './found.js';

export function stdioEntry(entry: AgentEntry, name: string, mapping: PropertyMapping): ImportedEntry {
  const value = entry.value;
  let command = value[mapping.commandProperty ?? 'command'] ?? value.command ?? value.cmd;
  let rawArgs = value[mapping.argsProperty ?? 'args'] ?? value.args;
  // opencode writes the command and its arguments as one list.
  if (Array.isArray(command)) [command, rawArgs] = [command[0], command.slice(1)];
  const base = { entry, name, kind: 'stdio' as const, secrets: [] as FoundSecret[], notes: [] as string[], holdsSecret: false };
  if (typeof command !== 'string' || command === '') return { ...base, shown: '(no command)', skip: 'it names no command' };
  const args = Array.isArray(rawArgs) ? rawArgs.map(String) : [];
  const rawEnv = value[mapping.envProperty ?? 'env'] ?? value.env ?? value.envs ?? value.environment;
  const env: Record<string, string> = {};
  const secrets: FoundSecret[] = [];
  const notes: string[] = [];
  const secret = (what: string, found: string, variable: string) => {
    const account = accountFor(name, variable);
    secrets.push({ account, value: found, where: what });
    env[variable] = `keychain:${account}`;
  };
  let skip: string | undefined;
  if (typeof value.envFile === 'string') skip = 'its environment is read from a file (envFile), which the proxy does not read';
  for (const [variable, raw] of Object.entries(typeof rawEnv === 'object' && rawEnv !== null ? (rawEnv as Record<string, unknown>) : {})) {
    const text = String(raw);
    const expansion = /^\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(text);
    if (/\$\{input:/.test(text)) skip ??= `env ${variable} comes from an input only the agent can ask for`;
    else if (expansion) {
      env[variable] = `env:${expansion[1]}`;
      notes.push(`env ${variable} is read from $${expansion[1]} where the proxy runs`);
    } else if (text.includes('${')) skip ??= `env ${variable} uses an expansion the proxy cannot repeat`;
    else if (isSecretName(variable) || isSecretValue(text)) secret(`env ${variable}`, text, variable);
    else env[variable] = text;
  }
  const outArgs = args.map((arg, i) => {
    if (/\$\{input:/.test(arg)) skip ??= `argument ${i + 1} comes from an input only the agent can ask for`;
    const flag = args[i - 1];
    if (flag?.startsWith('--') && !flag.includes('=') && isSecretName(flag.slice(2)) && !arg.startsWith('-')) {
      const variable = variableFor(flag.slice(2), env);
      secret(`argument after ${flag}`, arg, variable);
      return `\${${variable}}`;
    }
    const assigned = /^(--[A-Za-z0-9-_]+)=(.+)$/.exec(arg);
    if (assigned && isSecretName((assigned[1] as string).slice(2))) {
      const variable = variableFor((assigned[1] as string).slice(2), env);
      secret(`argument ${assigned[1]}`, assigned[2] as string, variable);
      return `${assigned[1]}=\${${variable}}`;
    }
    const password = urlPassword(arg);
    if (password !== undefined) {
      const variable = variableFor('url password', env);
      secret(`the password in argument ${i + 1}`, decodeURIComponent(password), variable);
      return arg.replace(`:${password}@`, `:\${${variable}}@`);
    }
    if (isSecretValue(arg)) {
      const variable = variableFor(`secret arg ${i + 1}`, env);
      secret(`argument ${i + 1}`, arg, variable);
      return `\${${variable}}`;
    }
    return arg;
  });
  const cwd = typeof value.cwd === 'string' && isAbsolute(value.cwd) ? value.cwd : entry.project;
  const shown = [command, ...outArgs].map((part) => (part.includes('${') ? part.replace(/\$\{[A-Za-z0-9_]+\}/g, MASK) : part)).join(' ');
  const server = { command, ...(outArgs.length ? { args: outArgs } : {}), ...(Object.keys(env).length ? { env } : {}), ...(cwd ? { cwd } : {}) };
  const holdsSecret = secrets.length > 0;
  if (!skip && !holdsSecret) skip = 'no secret in it';
  return { ...base, shown, secrets, notes, holdsSecret, ...(skip ? { skip } : { server }) };
}
