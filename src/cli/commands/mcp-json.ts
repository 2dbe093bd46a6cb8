// `mcp-auth-proxy mcp-json [server] --client NAME`: the snippet that client
// expects, pointing at the proxy, with no secret in it; --write merges it
// into the client's own config file.
import { chooseLauncher } from '../../clients/launcher.js';
import { buildSnippet, type Snippet } from '../../clients/snippet.js';
import { proxyBase } from '../../clients/proxy-url.js';
import { chmod } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { loadConfig } from '../../config/load.js';
import type { Config } from '../../config/schema.js';
import { userConfigFile } from '../../config/paths.js';
import { isCommandServer } from '../../config/schema.js';
import { clientToken } from '../../daemon/client-token.js';
import { AppError, EXIT_USAGE } from '../../errors.js';
import { configWarnings, print, type CommandContext } from '../context.js';
import { unknownServer } from '../server-lookup.js';

/** The header as agents' configs spell it. */
const CLIENT_TOKEN_HEADER_NAME = 'X-MCP-Proxy-Token';

export interface McpJsonOptions {
  client: string;
  config?: string;
  listen?: string;
  write?: boolean;
  force?: boolean;
  file?: string;
  transport?: 'http' | 'stdio';
  platform?: NodeJS.Platform;
  /** Start the bridge with `npx -y mcp-auth-proxy@<version>` instead of this installation's paths. */
  npx?: boolean;
}

export async function mcpJson(ctx: CommandContext, server: string | undefined, options: McpJsonOptions): Promise<void> {
  const { config, provenance } = await loadConfig({ cwd: ctx.cwd, env: ctx.env, ...(options.config ? { configFile: options.config } : {}), flags: options.listen ? { listen: options.listen } : {}, warn: configWarnings(ctx) });
  const names = Object.keys(config.servers);
  if (server !== undefined && !names.includes(server)) throw unknownServer(server, config);
  if (names.length === 0) {
    throw new AppError('NO_SERVERS', 'No MCP servers are configured, so there is nothing to point an agent at', {
      hint: 'Add one with `mcp-auth-proxy login NAME --url URL --key-id ID`, or set MCP_UPSTREAM_URL.',
      exitCode: EXIT_USAGE,
    });
  }
  if (config.mode === 'team') return teamSnippet(ctx, server ? [server] : names, config, options);
  const base = proxyBase(config.listen);
  /** Where a server is defined: the layer of its url (a command server: of its command). */
  const sourceOf = (name: string) => provenance.get(`servers.${name}.url`) ?? provenance.get(`servers.${name}.command`);
  const userFile = userConfigFile(ctx.env);
  const entries = (server ? [server] : names).map((name) => {
    // The stdio bridge runs from the agent's working directory with the agent's environment:
    // a server from a project or --config file needs that file named; one from variables is not there at all.
    const source = sourceOf(name);
    const file = source && source !== userFile && isAbsolute(source) ? source : undefined;
    const server = config.servers[name];
    return { name, url: `${base}/${name}/mcp`, legacy: server !== undefined && !isCommandServer(server) && server.transport === 'sse', ...(file ? { configFile: file } : {}) };
  });
  // With clientToken on, agents that reach the daemon over HTTP must send the token; stdio entries need none.
  const token = config.clientToken ? await clientToken(ctx.env) : undefined;
  const platform = options.platform ?? process.platform;
  const { launcher, note } = chooseLauncher({ platform, ...(options.npx ? { npx: true } : {}) });
  const snippet = buildSnippet(options.client, entries, {
    ...(options.transport ? { transport: options.transport } : {}),
    platform,
    launcher,
    ...(token ? { headers: { [CLIENT_TOKEN_HEADER_NAME]: token } } : {}),
  });
  if (note && snippet.stdio.length > 0) ctx.stderr.write(`note: ${note}.\n`);
  // The token goes only into HTTP entries: a snippet of stdio commands holds none.
  const holdsToken = token !== undefined && snippet.stdio.length < entries.length;
  for (const name of snippet.stdio) {
    const source = sourceOf(name);
    if (source?.startsWith('environment')) {
      ctx.stderr.write(`note: "${name}" is defined by environment variables (${source}); an agent that launches \`mcp-auth-proxy stdio ${name}\` will not have them. Save it with \`mcp-auth-proxy login ${name} --url URL ...\` first.\n`);
    }
  }
  if (!options.write) return showSnippet(ctx, snippet, holdsToken);
  const path = options.file ?? snippet.configPath;
  if (!path) throw new AppError('NO_CONFIG_PATH', `${options.client} has no config file on this platform`, { hint: 'Pass --file PATH.', exitCode: EXIT_USAGE });
  const [{ writeSnippet }, { recordWritten }] = await Promise.all([import('../../clients/write.js'), import('../../clients/written.js')]);
  const result = await writeSnippet(snippet, path, Boolean(options.force));
  if (holdsToken) {
    // The client token is now in that file (and its backup): only this user may read them.
    await chmod(result.path, 0o600);
    if (result.backup) await chmod(result.backup, 0o600);
  }
  await recordWritten(ctx.env, { client: snippet.client, file: result.path, format: snippet.format, rootKey: snippet.rootKey, entries: [...result.added, ...result.replaced], writtenAt: new Date().toISOString() });
  for (const name of result.added) print(ctx, `+ ${snippet.rootKey}.${name}: ${describeEntry(snippet, name, entries)}`);
  for (const name of result.replaced) print(ctx, `~ ${snippet.rootKey}.${name}: ${describeEntry(snippet, name, entries)} (replaced)`);
  print(ctx, `Wrote ${result.path}${result.backup ? `; backup at ${result.backup}` : ''}.`);
  if (holdsToken) print(ctx, `It holds the proxy's client token (${CLIENT_TOKEN_HEADER_NAME}), so it is now readable by you only (0600).`);
}

/** Prints the snippet and where it goes. */
function showSnippet(ctx: CommandContext, snippet: Snippet, holdsToken: boolean): void {
  ctx.stdout.write(ctx.redactor.redact(snippet.text.endsWith('\n') ? snippet.text : `${snippet.text}\n`));
  if (holdsToken) ctx.stderr.write('note: the snippet holds the proxy\'s client token: keep the file you paste it into readable by you only (chmod 600).\n');
  if (snippet.configPath) ctx.stderr.write(`Paste into ${snippet.configPath} (or run with --write).\n`);
  for (const command of snippet.commands) ctx.stderr.write(`Or run: ${command}\n`);
  for (const link of snippet.links) ctx.stderr.write(`Or install with one click: ${link}\n`);
}

/**
 * Team mode: what a teammate's agent needs to reach this proxy, at its
 * public URL. Nothing secret: the agent signs its user in by itself (MCP
 * authorization against the company identity provider), or its user adds
 * their own API key header.
 */
async function teamSnippet(ctx: CommandContext, names: string[], config: Config, options: McpJsonOptions): Promise<void> {
  const base = (config.publicUrl ?? `${config.tls ? 'https' : 'http'}://${config.listen}`).replace(/\/+$/, '');
  const entries = names.map((name) => {
    const server = config.servers[name];
    const legacy = server !== undefined && !isCommandServer(server) && server.transport === 'sse';
    return { name, url: `${base}/${encodeURIComponent(name)}/${legacy ? 'sse' : 'mcp'}`, legacy, remote: true };
  });
  const snippet = buildSnippet(options.client, entries, { ...(options.transport ? { transport: options.transport } : {}), platform: options.platform ?? process.platform });
  if (options.write) {
    const path = options.file ?? snippet.configPath;
    if (!path) throw new AppError('NO_CONFIG_PATH', `${options.client} has no config file on this platform`, { hint: 'Pass --file PATH.', exitCode: EXIT_USAGE });
    const { writeSnippet } = await import('../../clients/write.js');
    const result = await writeSnippet(snippet, path, Boolean(options.force));
    for (const name of [...result.added, ...result.replaced]) print(ctx, `${result.added.includes(name) ? '+' : '~'} ${snippet.rootKey}.${name}: ${describeEntry(snippet, name, entries)}`);
    print(ctx, `Wrote ${result.path}${result.backup ? `; backup at ${result.backup}` : ''}.`);
  } else showSnippet(ctx, snippet, false);
  const ways = (config.identity ?? []).map((m) => m.type);
  if (ways.includes('jwt')) ctx.stderr.write('note: on first use the agent signs its user in with the company identity provider (MCP authorization); no key goes in the file.\n');
  if (ways.includes('apiKey')) ctx.stderr.write('note: an agent that cannot sign in by itself sends an API key instead: `Authorization: Bearer <key>` (made with `mcp-auth-proxy keys create <email>` on the proxy host).\n');
}

/** What an entry does: the command an agent runs for stdio entries, the URL it calls for HTTP ones. */
function describeEntry(snippet: Snippet, name: string, entries: Array<{ name: string; url: string }>): string {
  if (!snippet.stdio.includes(name)) return `calls ${entries.find((e) => e.name === name)?.url}`;
  const server = ((snippet.document[snippet.rootKey] as Record<string, Record<string, unknown>>)[name] ?? {});
  const command = [server.command ?? server.cmd, ...((server.args as unknown[] | undefined) ?? [])].map((part) => quoteArg(String(part)));
  return `runs ${command.join(' ')}`;
}

/** An argument as a reader can tell it apart (quoted when it holds spaces or quotes). */
function quoteArg(arg: string): string {
  return /^[\w@%+=:,./\\-]+$/.test(arg) ? arg : JSON.stringify(arg);
}
