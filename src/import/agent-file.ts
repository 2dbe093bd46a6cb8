// The agent config file `import` reads: where the client keeps it and in
// which format (@gleanwork/mcp-config-schema knows both), its text as it is
// on disk, and the tables of servers in it: the client's own table and, for
// Claude Code, each project's table in ~/.claude.json.
import { readFile } from 'node:fs/promises';
import { MCPConfigRegistry } from '@gleanwork/mcp-config-schema';
import { parseJsonc } from '../clients/edit-jsonc.js';
import { parseToml } from '../clients/edit-toml.js';
import { parseYaml } from '../clients/edit-yaml.js';
import { fileError } from '../clients/file-errors.js';
import { supportedClients } from '../clients/snippet.js';
import { AppError, EXIT_USAGE } from '../errors.js';

export interface PropertyMapping {
  typeProperty?: string;
  typeValue?: string;
  urlProperty?: string;
  headersProperty?: string;
  commandProperty?: string;
  argsProperty?: string;
  envProperty?: string;
}

export interface AgentFile {
  client: string;
  displayName: string;
  path: string;
  format: 'json' | 'toml' | 'yaml';
  /** The client's own table of servers (mcpServers, servers, mcp_servers, extensions...). */
  rootKey: string;
  http: PropertyMapping;
  stdio: PropertyMapping;
  /** Whether the client takes HTTP servers (else its entries launch the stdio bridge). */
  takesHttp: boolean;
  /** The file's bytes as read (the sealed backup keeps exactly these), and as text. */
  bytes: Buffer;
  text: string;
  data: Record<string, unknown>;
}

/** One server entry of the file: the path of its table, its key there, and (Claude Code) the project it belongs to. */
export interface AgentEntry {
  table: string[];
  key: string;
  value: Record<string, unknown>;
  project?: string;
}

export function clientInfo(client: string) {
  const info = new MCPConfigRegistry().getAllConfigs().find((c) => c.id === client);
  if (!info || !info.userConfigurable) {
    throw new AppError('UNKNOWN_CLIENT', `Unknown client "${client}"`, { hint: `Supported: ${supportedClients().join(', ')}`, exitCode: EXIT_USAGE });
  }
  return info;
}

/** Where the client keeps its config on this platform, from its HOME / USERPROFILE / APPDATA. */
export function defaultPath(client: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | undefined {
  const template = (clientInfo(client).configPath as Partial<Record<NodeJS.Platform, string>>)[platform];
  if (!template) return undefined;
  const home = env.HOME ?? env.USERPROFILE ?? '';
  return template.replace('$HOME', home).replace('%USERPROFILE%', home).replace('%APPDATA%', env.APPDATA ?? '');
}

export async function readAgentFile(client: string, path: string): Promise<AgentFile> {
  const info = clientInfo(client);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new AppError('NOTHING_TO_IMPORT', `${info.displayName} has no config at ${path}`, { hint: 'Pass --file PATH if it keeps one elsewhere.' });
    throw fileError(error, path, 'read');
  }
  const text = bytes.toString('utf8');
  let data: unknown;
  try {
    data = info.configFormat === 'toml' ? parseToml(text) : info.configFormat === 'yaml' ? parseYaml(text) : parseJsonc(text);
  } catch (error) {
    throw new AppError('CLIENT_CONFIG_UNREADABLE', `Cannot parse ${path} as ${info.configFormat.toUpperCase()}: ${(error as Error).message.split('\n')[0]}`, { hint: 'Fix the file, then import again.' });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new AppError('CLIENT_CONFIG_SHAPE', `${path}: the top level is not a table`, { hint: 'Fix the file, then import again.' });
  const structure = info.configStructure;
  return {
    client: info.id,
    displayName: info.displayName,
    path,
    format: info.configFormat,
    rootKey: structure.serversPropertyName,
    http: (structure.httpPropertyMapping ?? {}) as PropertyMapping,
    stdio: (structure.stdioPropertyMapping ?? {}) as PropertyMapping,
    takesHttp: info.transports.includes('http') && info.id !== 'claude-desktop' && info.id !== 'jetbrains',
    bytes,
    text,
    data: JSON.parse(JSON.stringify(data)) as Record<string, unknown>,
  };
}

/** Every server entry: the client's table, then (Claude Code, JSON only) each project's `mcpServers`. */
export function entriesOf(file: AgentFile): AgentEntry[] {
  const entries: AgentEntry[] = [];
  const table = (path: string[], value: unknown, project?: string) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    for (const [key, entry] of Object.entries(value)) {
      if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) entries.push({ table: path, key, value: entry as Record<string, unknown>, ...(project ? { project } : {}) });
    }
  };
  table([file.rootKey], file.data[file.rootKey]);
  if (file.client === 'claude-code' && typeof file.data.projects === 'object' && file.data.projects !== null) {
    for (const [project, settings] of Object.entries(file.data.projects as Record<string, unknown>)) {
      table(['projects', project, 'mcpServers'], (settings as Record<string, unknown> | null)?.mcpServers, project);
    }
  }
  return entries;
}
