// mcp-remote, a second real stdio client, pointed at the daemon: it lists and
// calls tools on a signed upstream through the proxy (every signature
// verified), sends no credential of its own that reaches the upstream, and
// finds no OAuth to start against the proxy.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

const SECRET = 'mcp-remote-secret-7a8b9c0d';
const MCP_REMOTE = createRequire(import.meta.url).resolve('mcp-remote/dist/proxy.js');
let upstream: SdkUpstream;
let proxy: TestProxy;

beforeEach(async () => {
  upstream = await startSdkUpstream({ keyId: 'key-remote', secret: SECRET, release: Promise.resolve() });
  proxy = await startTestProxy({ servers: { gw: { url: upstream.url, auth: { type: 'hmac', keyId: 'key-remote', secret: 'env:TEST_SECRET' } } } }, { TEST_SECRET: SECRET });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

test('mcp-remote through the daemon lists and calls tools on the signed upstream', async () => {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [MCP_REMOTE, `${proxy.url}/gw/mcp`, '--transport', 'http-only'],
    env: { PATH: process.env.PATH ?? '', HOME: mkdtempSync(join(tmpdir(), 'map-mcp-remote-')) },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'agent', version: '1' });
  await client.connect(transport);
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual(['echo', 'notify-then-wait']);
  const result = await client.callTool({ name: 'echo', arguments: { text: 'via mcp-remote' } });
  expect(result.content).toEqual([{ type: 'text', text: 'echo: via mcp-remote' }]);
  await client.close();
  expect(upstream.received.length).toBeGreaterThanOrEqual(3);
  expect(upstream.rejected()).toEqual([]);
  expect(upstream.received.every((r) => r.headers.authorization === undefined)).toBe(true);
});
