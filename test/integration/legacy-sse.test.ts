// Legacy HTTP+SSE upstreams through the proxy: the SDK's SSEClientTransport
// on /{server}/sse reaches an SSEServerTransport upstream; the endpoint event
// is rewritten to the proxy's own path (the agent never sees the upstream
// origin), tool calls work, and every request upstream, the POSTs included,
// carries a valid signature. A message for a closed stream gets a 404 error.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { startLegacySseUpstream, type LegacyUpstream } from '../helpers/legacy-sse-upstream.js';
import { openStream } from '../helpers/net.js';
import { KEY_ID, SECRET, startTestProxy, type TestProxy } from '../helpers/proxy.js';

let upstream: LegacyUpstream;
let proxy: TestProxy;

beforeEach(async () => {
  upstream = await startLegacySseUpstream(KEY_ID, SECRET);
  proxy = await startTestProxy(
    { defaultServer: 'old', servers: { old: { url: upstream.url, transport: 'sse', auth: { type: 'hmac', keyId: KEY_ID, secret: 'env:TEST_SECRET' } } } },
    { TEST_SECRET: SECRET },
  );
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

test.each([['/old/sse'], ['/sse']])('the SDK SSE client on %s lists and calls tools; every upstream request is signed', async (path) => {
  const client = new Client({ name: 'legacy-agent', version: '1' });
  await client.connect(new SSEClientTransport(new URL(`${proxy.url}${path}`)));
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toEqual(['echo']);
  const result = await client.callTool({ name: 'echo', arguments: { text: 'old times' } });
  expect(result.content).toEqual([{ type: 'text', text: 'legacy echo: old times' }]);
  await client.close();
  const posts = upstream.received.filter((r) => r.method === 'POST');
  expect(posts.length).toBeGreaterThanOrEqual(3);
  expect(posts.every((r) => r.url.startsWith('/legacy/messages?sessionId='))).toBe(true);
  expect(upstream.rejected()).toEqual([]);
});

test('the endpoint event names the proxy\'s own path, never the upstream', async () => {
  const stream = await openStream(`${proxy.url}/old/sse`, { headers: { accept: 'text/event-stream' } });
  const first = await stream.next(/event: endpoint\ndata: .*\n\n/);
  expect(first).toMatch(/^event: endpoint\ndata: \/old\/messages\?session=[0-9a-f]{32}\n\n$/);
  expect(first).not.toContain(upstream.origin);
  expect(first).not.toContain('sessionId');
  stream.req.destroy();
});

test('a message for an unknown or closed stream gets a 404 JSON-RPC error, and nothing goes upstream', async () => {
  const before = upstream.received.length;
  const response = await fetch(`${proxy.url}/old/messages?session=${'0'.repeat(32)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
  });
  expect(response.status).toBe(404);
  expect(((await response.json()) as { error: { data: { code: string } } }).error.data.code).toBe('UNKNOWN_SSE_SESSION');
  expect(upstream.received.length).toBe(before);
});
