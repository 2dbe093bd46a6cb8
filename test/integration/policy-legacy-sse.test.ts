// The policy on a legacy HTTP+SSE upstream (the 2024-11-05 pair), whose
// answers come on the stream rather than in the POST's answer: the SDK's SSE
// client sees the tools/list answer on the stream filtered, and a denied
// call's error arrives on the stream too, while the call never reaches the
// upstream.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { startLegacySseUpstream, type LegacyUpstream } from '../helpers/legacy-sse-upstream.js';
import { KEY_ID, SECRET, startTestProxy, type TestProxy } from '../helpers/proxy.js';

let upstream: LegacyUpstream;
let proxy: TestProxy;
const server = () => ({ url: upstream.url, transport: 'sse', auth: { type: 'hmac', keyId: KEY_ID, secret: 'env:TEST_SECRET' } });

afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

test('the list on the stream loses the denied tool; the denied call is answered on the stream and never sent', async () => {
  upstream = await startLegacySseUpstream(KEY_ID, SECRET);
  proxy = await startTestProxy({ servers: { old: server() }, policy: { rules: [{ id: 'no-echo', deny: ['old.echo'] }] } }, { TEST_SECRET: SECRET });
  const client = new Client({ name: 'legacy-agent', version: '1' });
  await client.connect(new SSEClientTransport(new URL(`${proxy.url}/old/sse`)));
  expect((await client.listTools()).tools).toEqual([]);
  await expect(client.callTool({ name: 'echo', arguments: { text: 'x' } })).rejects.toThrow(/policy does not let local-user use the tool "old\.echo": rule "no-echo"/);
  await client.close();
  const posts = upstream.received.filter((r) => r.method === 'POST');
  // initialize, initialized, tools/list: the call was not among them.
  expect(posts).toHaveLength(3);
});

test('without a rule against it, the same tool is listed and called (the filter is the policy\'s)', async () => {
  upstream = await startLegacySseUpstream(KEY_ID, SECRET);
  proxy = await startTestProxy({ servers: { old: server() }, policy: { rules: [{ id: 'other', deny: ['old.other'] }] } }, { TEST_SECRET: SECRET });
  const client = new Client({ name: 'legacy-agent', version: '1' });
  await client.connect(new SSEClientTransport(new URL(`${proxy.url}/old/sse`)));
  expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['echo']);
  expect((await client.callTool({ name: 'echo', arguments: { text: 'x' } })).content).toEqual([{ type: 'text', text: 'legacy echo: x' }]);
  await client.close();
});
