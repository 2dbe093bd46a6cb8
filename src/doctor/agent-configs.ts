// The doctor's checks of agent config files that `mcp-json --write` wrote
// (recorded in the state dir): each entry is still there; a stdio entry's
// command exists and starts this program (run with --version in place of
// `stdio <server>`), and names a configured server; an HTTP entry points at
// the proxy's address and, with clientToken on, carries the current token.
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Config } from '../config/schema.js';
import { readAgentConfig } from '../clients/write.js';
import { readWritten, type WrittenFile } from '../clients/written.js';
import { VERSION } from '../version.js';
import { fail, pass, warn, type CheckResult } from './check.js';

/** npx may download the package first: a cold cache on a slow network takes a while. */
const PROBE_TIMEOUT_MS = 60_000;

export interface AgentConfigOptions {
  env: NodeJS.ProcessEnv;
  config: Config;
  /** `http://host:port` of the proxy as configured. */
  proxyBase: string;
  /** The client token, when the config requires one. */
  token?: string;
}

export async function agentConfigChecks(options: AgentConfigOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const written of await readWritten(options.env)) results.push(...(await checkFile(written, options)));
  return results;
}

async function checkFile(written: WrittenFile, options: AgentConfigOptions): Promise<CheckResult[]> {
  const rewrite = (name: string) => `Run \`mcp-auth-proxy mcp-json ${name} --client ${written.client} --write --force\`${written.file ? ` (--file ${written.file})` : ''}.`;
  let document: Record<string, unknown>;
  try {
    document = await readAgentConfig(written.file, written.format);
  } catch (error) {
    return [warn(`agent: ${written.client}`, `${written.file}: ${error instanceof Error ? error.message : String(error)}`, 'If you removed it on purpose, ignore this; otherwise write it again with `mcp-auth-proxy mcp-json --write`.')];
  }
  const section = (document[written.rootKey] ?? {}) as Record<string, unknown>;
  const results: CheckResult[] = [];
  for (const name of written.entries) {
    const label = `agent: ${written.client} ${name}`;
    const entry = section[name];
    if (typeof entry !== 'object' || entry === null) {
      results.push(warn(label, `no longer in ${written.file}`, `If you removed it on purpose, ignore this; otherwise: ${rewrite(name)}`));
      continue;
    }
    const fields = entry as Record<string, unknown>;
    const command = fields.command ?? fields.cmd;
    results.push(typeof command === 'string' ? await checkCommand(label, command, fields.args, options, rewrite(name)) : checkUrl(label, fields, options, rewrite(name)));
  }
  return results;
}

async function checkCommand(label: string, command: string, rawArgs: unknown, options: AgentConfigOptions, hint: string): Promise<CheckResult> {
  const args = Array.isArray(rawArgs) ? rawArgs.map(String) : [];
  const at = args.indexOf('stdio');
  if (at < 0) return warn(label, `runs ${command} ${args.join(' ')}, which is not the stdio bridge`, hint);
  const server = args[at + 1];
  if (!server || !(server in options.config.servers)) {
    return fail(label, `runs the bridge for "${server ?? ''}", which is not a configured server (configured: ${Object.keys(options.config.servers).join(', ') || 'none'})`, `Add the server, or: ${hint}`);
  }
  const found = await findExecutable(command, options.env);
  if (!found) return fail(label, `its command ${command} does not exist${isAbsolute(command) ? '' : ' on PATH'} (was that installation removed?)`, hint);
  const probe = await run(command, [...args.slice(0, at), '--version'], options.env);
  if (!probe.ok) return fail(label, `${command} ${args.slice(0, at).join(' ')} --version did not start mcp-auth-proxy: ${probe.detail}`, hint);
  if (probe.version !== VERSION) {
    return warn(label, `launches mcp-auth-proxy ${probe.version}, while this is ${VERSION}`, `If that is not on purpose: ${hint}`);
  }
  return pass(label, `launches mcp-auth-proxy ${probe.version} (${command})`);
}

function checkUrl(label: string, fields: Record<string, unknown>, options: AgentConfigOptions, hint: string): CheckResult {
  const url = [fields.url, fields.uri, fields.serverUrl, fields.httpUrl].find((v): v is string => typeof v === 'string');
  if (!url) return warn(label, 'has neither a command nor a URL this doctor knows how to check');
  if (!url.startsWith(`${options.proxyBase}/`)) return warn(label, `calls ${url}, but the proxy listens at ${options.proxyBase}`, hint);
  if (options.token) {
    const sent = tokenIn(fields);
    if (sent !== options.token) return fail(label, sent ? 'sends an old client token (the proxy would answer 401)' : 'sends no client token, which the proxy requires (it would answer 401)', hint);
  }
  return pass(label, `calls ${url}`);
}

/** The X-MCP-Proxy-Token value in any headers table of the entry (headers, http_headers, ...). */
function tokenIn(fields: Record<string, unknown>): string | undefined {
  for (const value of Object.values(fields)) {
    if (typeof value !== 'object' || value === null) continue;
    for (const [name, header] of Object.entries(value)) if (name.toLowerCase() === 'x-mcp-proxy-token' && typeof header === 'string') return header;
  }
  return undefined;
}

async function findExecutable(command: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const extensions = process.platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : [''];
  const candidates = isAbsolute(command) ? [command] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  for (const candidate of candidates.flatMap((c) => extensions.map((ext) => c + ext))) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

/** Runs the command without a shell (as agents do) and reads the version it prints. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ ok: true; version: string } | { ok: false; detail: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, timeout: PROBE_TIMEOUT_MS });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk.slice(0, 4096)));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk.slice(0, 4096)));
    child.once('error', (error) => resolve({ ok: false, detail: error.message }));
    child.once('close', (code, signal) => {
      const version = /^(\d+\.\d+\.\d+\S*)\s*$/.exec(out.trim())?.[1];
      if (code === 0 && version) resolve({ ok: true, version });
      else resolve({ ok: false, detail: signal ? `killed by ${signal}${signal === 'SIGTERM' ? ' (no answer in time)' : ''}` : `exit ${code}${err.trim() ? `: ${err.trim().split('\n')[0]}` : ''}` });
    });
  });
}
