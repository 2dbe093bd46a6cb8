// SDK Client → proxy → SDK McpServer behind the gateway verifier, upstream URL
// with a base path: every request arrives correctly signed.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';
import { KEY_ID, SECRET, hmacServer, startTestProxy, type TestProxy } from '../helpers/proxy.js';

let upstream: SdkUpstream;
let proxy: TestProxy;

beforeEach(async () => {
  upstream = await startSdkUpstream({ keyId: KEY_ID, secret: SECRET, basePath: '/api/v2/mcp' });
  proxy = await startTestProxy({ servers: { gateway: hmacServer(upstream.url) } }, { TEST_SECRET: SECRET });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

test.each([['/mcp'], ['/gateway/mcp']])('initialize, tools/list and tools/call through %s are signed and accepted', async (route) => {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}${route}`)));
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'notify-then-wait']));
  const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
  expect(result.content).toEqual([{ type: 'text', text: 'echo: hi' }]);
  await client.close();

  expect(upstream.received.length).toBeGreaterThanOrEqual(4);
  expect(upstream.rejected()).toEqual([]);
  // The upstream saw its own base path, signed, and never the proxy's route.
  for (const r of upstream.received) {
    expect(r.url.startsWith('/api/v2/mcp')).toBe(true);
    expect(r.headers['x-api-key-id']).toBe(KEY_ID);
  }
  expect(upstream.received.some((r) => r.method === 'POST')).toBe(true);
});
