// The snippet each agent expects, pointing at the proxy and holding no
// secret. Formats, file locations and install commands per client come from
// @gleanwork/mcp-config-schema, which tracks them; we add the proxy's URLs.
import { MCPConfigRegistry, type ClientId } from '@gleanwork/mcp-config-schema';
import { AppError, EXIT_USAGE } from '../errors.js';
import { chooseLauncher, launchCommand, type Launcher } from './launcher.js';

export interface SnippetEntry {
  /** Name the agent shows, = the proxy's server name. */
  name: string;
  url: string;
  /**
   * A legacy HTTP+SSE upstream: agents get the stdio bridge, which speaks that
   * transport upstream itself (clients differ too much in how they name SSE).
   */
  legacy?: boolean;
  /** A config file the bridge must be told about (the server is defined outside the user config). */
  configFile?: string;
  /**
   * A team proxy (team mode): the agent signs in there itself. HTTP entries
   * call `url`; a client that takes only commands runs mcp-remote against it
   * (it does MCP authorization too), never our bridge, which signs locally.
   */
  remote?: boolean;
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
  /** The entries given the stdio bridge command rather than the daemon's URL. */
  stdio: string[];
}

/** Clients that get the `mcp-auth-proxy stdio <server>` command form by default (they launch commands). */
const STDIO_FIRST: ReadonlySet<string> = new Set(['claude-desktop', 'jetbrains']);
/** For agents that take only commands, reaching a team proxy: mcp-remote, pinned to a minor that does MCP authorization. */
const MCP_REMOTE: Launcher = { kind: 'npx', spec: 'mcp-remote@0.15' };

export interface SnippetOptions {
  /** Force a form; by default stdio for stdio-first clients, HTTP (to the daemon) for the rest. */
  transport?: 'http' | 'stdio';
  /** The platform the snippet will run on (another one than this gets the pinned npx form; win32 needs `cmd /c npx`). */
  platform?: NodeJS.Platform;
  /** How stdio entries start the bridge; this installation by absolute path unless chosen otherwise (see launcher.ts). */
  launcher?: Launcher;
  /** Headers every HTTP entry sends (the proxy's client token when it requires one). */
  headers?: Record<string, string>;
}

export function supportedClients(): string[] {
  return new MCPConfigRegistry()
    .getAllConfigs()
    .filter((c) => c.userConfigurable)
    .map((c) => c.id);
}

/** The command and arguments that start the bridge for `server`, safe for the target platform's process spawning. */
export function stdioCommand(server: string, platform: NodeJS.Platform, configFile?: string, launcher?: Launcher): { command: string; args: string[] } {
  const chosen = launcher ?? chooseLauncher({ platform }).launcher;
  return launchCommand(chosen, platform, ['stdio', server, ...(configFile ? ['--config', configFile] : [])]);
}

export function buildSnippet(client: string, entries: SnippetEntry[], options: SnippetOptions = {}): Snippet {
  const registry = new MCPConfigRegistry({ serverPackage: 'mcp-auth-proxy' });
  const info = registry.getAllConfigs().find((c) => c.id === client);
  if (!info) {
    throw new AppError('UNKNOWN_CLIENT', `Unknown client "${client}"`, { hint: `Supported: ${supportedClients().join(', ')}`, exitCode: EXIT_USAGE });
  }
  const stdioFirst = STDIO_FIRST.has(info.id) || !info.transports.includes('http');
  const transportOf = (entry: SnippetEntry): 'http' | 'stdio' =>
    entry.remote ? (options.transport ?? (info.transports.includes('http') && !entry.legacy ? 'http' : 'stdio')) : (options.transport ?? (stdioFirst || entry.legacy ? 'stdio' : 'http'));
  for (const transport of new Set(entries.map(transportOf))) {
    if (!info.transports.includes(transport)) {
      throw new AppError('TRANSPORT_UNSUPPORTED', `${info.displayName} does not take ${transport === 'http' ? 'HTTP servers' : 'stdio commands'}`, {
        hint: transport === 'http' ? 'Use --transport stdio.' : 'Use another client, or --transport http for servers that are not legacy SSE.',
        exitCode: EXIT_USAGE,
      });
    }
  }
  if (!info.userConfigurable) {
    throw new AppError('MANAGED_CLIENT', `${info.displayName} is configured centrally (by an admin or on the web) and cannot reach a proxy on your machine`, { exitCode: EXIT_USAGE });
  }
  const builder = registry.createBuilder(info.id);
  const document: Record<string, unknown> = {};
  let rootKey = '';
  const commands: string[] = [];
  const links: string[] = [];
  const mapping = info.configStructure.stdioPropertyMapping;
  const stdio: string[] = [];
  for (const entry of entries) {
    const transport = transportOf(entry);
    const connection =
      transport === 'http'
        ? { transport, serverUrl: entry.url, serverName: entry.name, ...(options.headers ? { headers: options.headers } : {}) }
        : { transport, serverName: entry.name };
    const full = builder.buildConfiguration(connection) as unknown as Record<string, Record<string, Record<string, unknown>>>;
    rootKey = Object.keys(full)[0] ?? rootKey;
    const servers = full[rootKey] ?? {};
    const server = servers[entry.name];
    if (transport === 'stdio') stdio.push(entry.name);
    if (transport === 'stdio' && server && mapping) {
      // The library writes `npx -y <package>` (unpinned): the bridge needs a command that runs this install, its subcommand and server.
      const { command, args } = entry.remote
        ? launchCommand(MCP_REMOTE, options.platform ?? process.platform, [entry.url])
        : stdioCommand(entry.name, options.platform ?? process.platform, entry.configFile, options.launcher);
      server[mapping.commandProperty] = command;
      server[mapping.argsProperty] = args;
    }
    document[rootKey] = { ...((document[rootKey] as object | undefined) ?? {}), ...servers };
    if (transport === 'http') {
      const command = info.id === 'codex' && options.headers ? codexAddCommand(entry, options.headers) : builder.buildCommand(connection);
      if (command) commands.push(command);
      const link = oneClickLink(builder, connection);
      if (link) links.push(link);
    }
  }
  let configPath: string | undefined;
  try {
    configPath = builder.getConfigPath();
  } catch {
    configPath = undefined;
  }
  return { client: info.id, format: info.configFormat, text: builder.toString(document as never), document, rootKey, configPath, commands, links, stdio };
}

/**
 * `codex mcp add` with the headers the TOML snippet carries (the library's
 * command drops any header but Authorization). Header names and the token
 * are URL-safe characters, so nothing needs quoting in any shell.
 */
function codexAddCommand(entry: SnippetEntry, headers: Record<string, string>): string {
  const flags = Object.entries(headers).map(([name, value]) => ` --header ${name}=${value}`);
  return `codex mcp add --url ${entry.url}${flags.join('')} ${entry.name}`;
}

function oneClickLink(builder: { buildOneClickUrl?: (options: never) => string }, options: object): string | undefined {
  try {
    return builder.buildOneClickUrl?.(options as never);
  } catch {
    return undefined; // this client has no one-click install
  }
}
