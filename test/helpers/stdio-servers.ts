// Command servers for tests: the SDK stdio server fixture (reports its
// environment, samples, elicits, sends progress, crashes on request) and
// @modelcontextprotocol/server-everything in stdio mode, as config entries.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const require = createRequire(import.meta.url);

export const SDK_SERVER = fileURLToPath(new URL('../fixtures/stdio-servers/sdk-server.mjs', import.meta.url));
export const EVERYTHING = join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');

/** A command server entry running the SDK fixture with node. */
export function sdkServer(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { command: process.execPath, args: [SDK_SERVER], ...extra };
}

/** The SDK client connected to `url` over Streamable HTTP. */
export async function connectClient(url: string, capabilities: Record<string, unknown> = {}, name = 'test-client'): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' }, { capabilities });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

/** The text of a tool result's first content item. */
export function textOf(result: unknown): string {
  return ((result as { content: Array<{ text: string }> }).content[0] as { text: string }).text;
}
