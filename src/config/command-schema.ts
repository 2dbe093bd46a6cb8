// The config of a command server: a local stdio MCP server (`npx
// @modelcontextprotocol/server-github`, a database or SaaS server) that the
// proxy starts with secrets from the keychain and serves at /{server}/mcp
// like any upstream. Composed into the one config schema by schema.ts.
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { duration, quoteValue } from './fields.js';
import { isLiteralSecret } from '../secrets/looks-secret.js';
import { SECRET_REFERENCE_HINT, isSecretReference } from '../secrets/reference.js';
import { CALLER } from './team-values.js';
import { ARG_PLACEHOLDER } from './command-values.js';

export const SHARING = ['per-session', 'shared', 'per-caller'] as const;
export type Sharing = (typeof SHARING)[number];

export const COMMAND_DEFAULTS = { maxProcesses: 16, idleTimeout: 30 * 60_000, startTimeout: 60_000, stopTimeout: 5_000 } as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `${NAME}` in an argument: the value of the server's env variable NAME. */
export { ARG_PLACEHOLDER };

const envValue = z.string().refine((value) => !value.includes('\u0000'), 'cannot hold a NUL character');

export const commandServerSchema = z
  .object({
    command: z
      .string({ error: 'command is the program to run, e.g. "npx" or "/usr/local/bin/my-mcp-server"' })
      .min(1, 'command is the program to run, e.g. "npx"')
      .refine((value) => !/[\u0000\r\n]/.test(value), 'command cannot hold a NUL or a line break')
      .describe('the program to run: a name looked up on PATH (e.g. "npx", "uvx", "docker") or an absolute path'),
    args: z.array(z.string().refine((arg) => !arg.includes('\u0000'), 'an argument cannot hold a NUL character')).default([]).describe('its arguments, passed as they are (no shell); "${NAME}" stands for the value of env NAME'),
    env: z
      .record(z.string().regex(ENV_NAME, 'an environment variable name is letters, digits and "_", not starting with a digit'), envValue)
      .default({})
      .describe('the only variables the command gets besides PATH, HOME and the locale: plain values, secret references (keychain:NAME, env:VAR, file:PATH) resolved when it starts, or "$caller" (team mode, per-caller)'),
    cwd: z
      .string()
      .refine((dir) => dir === '~' || dir.startsWith('~/') || isAbsolute(dir), 'cwd must be an absolute path (or start with "~/")')
      .optional()
      .describe('working directory of the command (default: your home directory)'),
    sharing: z
      .enum(SHARING, { error: `sharing must be one of: ${SHARING.map((s) => `"${s}"`).join(', ')}` })
      .default('per-session')
      .describe('per-session: one process per MCP session; shared: one process for every session; per-caller (team mode): one process per caller'),
    prewarm: z.boolean().default(false).describe('start a process when the proxy starts (filling the npx cache), so the first agent does not wait'),
    maxProcesses: z.number().int('must be a whole number').min(1).max(1000).default(COMMAND_DEFAULTS.maxProcesses).describe('processes of this server at most; a new session past it is refused'),
    idleTimeout: duration.default(COMMAND_DEFAULTS.idleTimeout).describe('a session with nothing in flight and no open stream this long is ended (and a per-session process with it)'),
    startTimeout: duration.default(COMMAND_DEFAULTS.startTimeout).describe('how long starting the command and its initialize may take (npx may download first)'),
    stopTimeout: duration.default(COMMAND_DEFAULTS.stopTimeout).describe('how long a stopping process (and the processes it started) has after SIGTERM before SIGKILL'),
  })
  .strict()
  .superRefine((server, ctx) => {
    for (const [name, value] of Object.entries(server.env)) {
      if (value === CALLER || isSecretReference(value)) continue;
      // The value is never echoed: it is the secret.
      if (isLiteralSecret(name, value)) ctx.addIssue({ code: 'custom', path: ['env', name], message: `looks like a secret written into the config; store it and write a reference instead: ${SECRET_REFERENCE_HINT}` });
    }
    server.args.forEach((arg, i) => {
      for (const match of arg.matchAll(ARG_PLACEHOLDER)) {
        const name = match[1] as string;
        if (!Object.hasOwn(server.env, name)) ctx.addIssue({ code: 'custom', path: ['args', String(i)], message: `${quoteValue(match[0])} names no variable of this server's env; add "${name}" to env, or remove it` });
      }
    });
    if (server.prewarm && server.sharing === 'per-caller' && Object.values(server.env).includes(CALLER)) {
      ctx.addIssue({ code: 'custom', path: ['prewarm'], message: 'a per-caller process with a "$caller" variable cannot start before its caller is known; remove prewarm or the "$caller" value' });
    }
  });

export type CommandServerConfig = z.output<typeof commandServerSchema>;

/** Whether a raw or parsed server entry is a command server (it has `command` and no `url`). */
export function isCommandEntry(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'command' in value && !('url' in value);
}

/** Rules that need the whole config: per-caller and "$caller" exist in team mode only. */
export function commandIssues(values: Record<string, unknown>): Array<{ path: string[]; message: string }> {
  const issues: Array<{ path: string[]; message: string }> = [];
  const servers = typeof values.servers === 'object' && values.servers !== null ? (values.servers as Record<string, unknown>) : {};
  for (const [name, server] of Object.entries(servers)) {
    if (!isCommandEntry(server)) continue;
    const entry = server as { sharing?: unknown; env?: Record<string, unknown> };
    if (entry.sharing === 'per-caller' && values.mode !== 'team') {
      issues.push({ path: ['servers', name, 'sharing'], message: '"per-caller" keeps each caller\'s process apart, and callers exist in team mode only; set "mode": "team", or use "per-session" or "shared"' });
    }
    for (const [variable, value] of Object.entries(typeof entry.env === 'object' && entry.env !== null ? entry.env : {})) {
      if (value === CALLER && entry.sharing !== 'per-caller') {
        issues.push({ path: ['servers', name, 'env', variable], message: '"$caller" is the caller of a per-caller process; set "sharing": "per-caller" (team mode), or write the value' });
      }
    }
  }
  return issues;
}
