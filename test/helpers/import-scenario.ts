// An agent's real config file holding tokens, for the import tests: the
// client's own file at its own path under a throwaway HOME (templates in
// test/fixtures/agent-configs/import/), a stdio server (the SDK fixture) and
// an HTTP upstream that wants the token, and a tool call made the way the
// agent would after the import, from what its file says.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { parseJsonc } from '../../src/clients/edit-jsonc.js';
import { SDK_SERVER, textOf } from './stdio-servers.js';
import { startTokenUpstream, type TokenUpstream } from './token-upstream.js';

export const CLIENTS = {
  'claude-code': { template: 'claude-code.json', path: '.claude.json', root: 'mcpServers' },
  'claude-desktop': { template: 'claude-desktop.json', path: '.config/Claude/claude_desktop_config.json', root: 'mcpServers' },
  cursor: { template: 'cursor.json', path: '.cursor/mcp.json', root: 'mcpServers' },
  vscode: { template: 'vscode.jsonc', path: '.config/Code/User/mcp.json', root: 'servers' },
} as const;
export type ImportClient = keyof typeof CLIENTS;

export const TOKEN = 'ghp_importScenarioToken0123456789abcdefXY';
export const KEY = 'sk-importScenarioKey-9f8e7d6c5b4a';
export const PATH_KEY = 'k7Hq2mZ9xW4vB8nC1pL6tR3sY5dF0gJa';

export interface Scenario {
  home: string;
  project: string;
  agentFile: string;
  original: Buffer;
  upstream: TokenUpstream;
  /** The agent's environment (and the CLI's): its HOME, its XDG directories. */
  env: NodeJS.ProcessEnv;
  close: () => Promise<void>;
}

export async function importScenario(client: ImportClient, env: NodeJS.ProcessEnv): Promise<Scenario> {
  const home = mkdtempSync(join(tmpdir(), `map-import-${client}-`));
  const project = join(home, 'app');
  mkdirSync(project);
  // The upstream takes the key as a bearer token, an x-api-key header, or in its URL (path and query).
  const upstream = await startTokenUpstream((req) => {
    const url = req.url ?? '';
    return req.headers.authorization === `Bearer ${KEY}` || req.headers['x-api-key'] === KEY || (url.startsWith(`/k/${PATH_KEY}/mcp`) && url.includes(`api_key=${KEY}`));
  });
  const template = readFileSync(fileURLToPath(new URL(`../fixtures/agent-configs/import/${CLIENTS[client].template}`, import.meta.url)), 'utf8');
  const text = template
    .replaceAll('{{NODE}}', process.execPath)
    .replaceAll('{{SERVER}}', SDK_SERVER)
    .replaceAll('{{UPSTREAM}}', upstream.url)
    .replaceAll('{{PROJECT}}', project)
    .replaceAll('{{TOKEN}}', TOKEN)
    .replaceAll('{{PATHKEY}}', PATH_KEY)
    .replaceAll('{{KEY}}', KEY);
  const agentFile = join(home, CLIENTS[client].path);
  mkdirSync(dirname(agentFile), { recursive: true });
  writeFileSync(agentFile, text);
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  // The user already has a server: a daemon can start before the import adds more.
  writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ servers: { existing: { url: 'https://existing.example/mcp', auth: { type: 'none' } } } }, null, 2));
  const scenarioEnv = { ...env, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state') };
  return { home, project, agentFile, original: readFileSync(agentFile), upstream, env: scenarioEnv, close: () => upstream.close() };
}

/** The entry `key` of the agent's file as it is now (JSON with comments: every client here). */
export function agentEntry(s: Scenario, client: ImportClient, key: string, table?: string[]): Record<string, unknown> {
  let node = parseJsonc(readFileSync(s.agentFile, 'utf8')) as Record<string, unknown>;
  for (const part of table ?? [CLIENTS[client].root]) node = node[part] as Record<string, unknown>;
  return node[key] as Record<string, unknown>;
}

/** Connects as the agent would from its entry (its URL and headers, or the command it launches), calls `tool`, returns the text. */
export async function callAsAgent(s: Scenario, entry: Record<string, unknown>, tool: string, args: Record<string, unknown>): Promise<string> {
  const client = new Client({ name: 'agent', version: '1.0.0' });
  const headers = (entry.headers ?? {}) as Record<string, string>;
  if (typeof entry.url === 'string') await client.connect(new StreamableHTTPClientTransport(new URL(entry.url), { requestInit: { headers } }));
  else await client.connect(new StdioClientTransport({ command: entry.command as string, args: entry.args as string[], env: s.env as Record<string, string>, stderr: 'pipe' }));
  try {
    return textOf(await client.callTool({ name: tool, arguments: args }));
  } finally {
    await client.close();
  }
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
