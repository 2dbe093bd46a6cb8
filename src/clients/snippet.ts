// The snippet each agent expects, pointing at the proxy and holding no
// secret. Formats, file locations and install commands per client come from
// @gleanwork/mcp-config-schema, which tracks them; we add the proxy's URLs.
import { MCPConfigRegistry, type ClientId } from '@gleanwork/mcp-config-schema';
import { AppError, EXIT_USAGE } from '../errors.js';

export interface SnippetEntry {
  /** Name the agent shows, = the proxy's server name. */
  name: string;
  url: string;
}

export interface Snippet {
  client: ClientId;
  format: 'json' | 'toml' | 'yaml';
  /** The whole config document for the entries (what to paste). */
  text: string;
  /** The same as an object, to merge into an existing file. */
  document: Record<string, unknown>;
  /** The key that holds servers in this client's file (mcpServers, servers, mcp_servers...). */
  rootKey: string;
  configPath: string | undefined;
  /** One-line install commands (`claude mcp add ...`), where the client has a CLI. */
  commands: string[];
  /** One-click install links (cursor://, vscode:), where the client has them. */
  links: string[];
}

/** Clients that can only launch stdio commands; they arrive with `mcp-auth-proxy stdio`. */
const STDIO_ONLY: ReadonlySet<string> = new Set(['claude-desktop']);

export function supportedClients(): string[] {
  return new MCPConfigRegistry()
    .getAllConfigs()
    .filter((c) => c.userConfigurable && c.transports.includes('http') && !STDIO_ONLY.has(c.id))
    .map((c) => c.id);
}

export function buildSnippet(client: string, entries: SnippetEntry[]): Snippet {
  const registry = new MCPConfigRegistry();
  const info = registry.getAllConfigs().find((c) => c.id === client);
  if (!info) {
    throw new AppError('UNKNOWN_CLIENT', `Unknown client "${client}"`, { hint: `Supported: ${supportedClients().join(', ')}`, exitCode: EXIT_USAGE });
  }
  if (STDIO_ONLY.has(info.id) || !info.transports.includes('http')) {
    throw new AppError('STDIO_CLIENT', `${info.displayName} only launches stdio commands; its snippet arrives with the \`mcp-auth-proxy stdio\` bridge`, {
      hint: `Meanwhile use an HTTP-capable client (${supportedClients().slice(0, 4).join(', ')}...).`,
    });
  }
  if (!info.userConfigurable) {
    throw new AppError('MANAGED_CLIENT', `${info.displayName} is configured centrally (by an admin or on the web) and cannot reach a proxy on your machine`, { exitCode: EXIT_USAGE });
  }
  const builder = registry.createBuilder(info.id);
  const document: Record<string, unknown> = {};
  let rootKey = '';
  const commands: string[] = [];
  const links: string[] = [];
  for (const entry of entries) {
    const options = { transport: 'http' as const, serverUrl: entry.url, serverName: entry.name };
    const full = builder.buildConfiguration(options) as unknown as Record<string, Record<string, unknown>>;
    rootKey = Object.keys(full)[0] ?? rootKey;
    document[rootKey] = { ...((document[rootKey] as object | undefined) ?? {}), ...(full[rootKey] ?? {}) };
    const command = builder.buildCommand(options);
    if (command) commands.push(command);
    const link = oneClickLink(builder, options);
    if (link) links.push(link);
  }
  let configPath: string | undefined;
  try {
    configPath = builder.getConfigPath();
  } catch {
    configPath = undefined;
  }
  return { client: info.id, format: info.configFormat, text: builder.toString(document as never), document, rootKey, configPath, commands, links };
}

function oneClickLink(builder: { buildOneClickUrl?: (options: never) => string }, options: object): string | undefined {
  try {
    return builder.buildOneClickUrl?.(options as never);
  } catch {
    return undefined; // this client has no one-click install
  }
}
