// The stdio bridge against a legacy HTTP+SSE upstream: configured with
// transport "sse", and detected (a Streamable HTTP initialize answered 404
// falls back to the SSE pair); tools work and every request, the POSTs to
// the message endpoint included, is signed. mcp-json gives such a server the
// bridge command for every client.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cleanEnv, runCli } from '../helpers/cli.js';
import { startLegacySseUpstream, type LegacyUpstream } from '../helpers/legacy-sse-upstream.js';

const SECRET = 'stdio-legacy-secret-2b3c4d5e';
let upstream: LegacyUpstream;
beforeEach(async () => {
  upstream = await startLegacySseUpstream('key-legacy', SECRET);
});
afterEach(async () => {
  await upstream.close();
});

function home(transport: string): { home: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(join(tmpdir(), 'map-stdio-legacy-'));
  mkdirSync(join(dir, 'config', 'mcp-auth-proxy'), { recursive: true });
  const server = { url: upstream.url, transport, auth: { type: 'hmac', keyId: 'key-legacy', secret: 'env:LEGACY_SECRET' } };
  writeFileSync(join(dir, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ servers: { old: server } }));
  return { home: dir, env: cleanEnv({ HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), LEGACY_SECRET: SECRET }) };
}

test.each([['sse'], ['streamable-http']])('transport %s: tools listed and called over the legacy pair, all signed', async (transport) => {
  const { env } = home(transport);
  const client = new Client({ name: 'desktop-agent', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'stdio', 'old'], env: env as Record<string, string>, stderr: 'ignore' }));
  const result = await client.callTool({ name: 'echo', arguments: { text: 'bridged' } });
  expect(result.content).toEqual([{ type: 'text', text: 'legacy echo: bridged' }]);
  await client.close();
  expect(upstream.received.some((r) => r.method === 'GET' && r.url === '/legacy/sse')).toBe(true);
  expect(upstream.received.filter((r) => r.method === 'POST' && r.url.startsWith('/legacy/messages')).length).toBeGreaterThanOrEqual(2);
  expect(upstream.rejected()).toEqual([]);
});

test('mcp-json points every client at the bridge for a legacy SSE server', async () => {
  const { home: dir, env } = home('sse');
  const result = await runCli(['mcp-json', 'old', '--client', 'cursor'], { env, cwd: dir });
  expect(result.code).toBe(0);
  expect(JSON.parse(result.stdout).mcpServers.old).toMatchObject({ command: process.execPath, args: [BIN, 'stdio', 'old'] });
});
