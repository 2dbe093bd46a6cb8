// Legacy HTTP+SSE through two replicas sharing a real Redis: the agent's
// stream is held by one, its POSTs reach the other (as a round-robin load
// balancer sends them), and they still reach the upstream session, signed,
// with the answer arriving on the stream. A replica without Redis cannot
// route them (404), which is what the shared record fixes; a message for a
// stream that closed is refused on every replica.
import { startLegacySseUpstream, type LegacyUpstream } from '../helpers/legacy-sse-upstream.js';
import { eventually, openStream } from '../helpers/net.js';
import { KEY_ID, SECRET, startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

let upstream: LegacyUpstream;
let redis: TestRedis;
const proxies: TestProxy[] = [];

beforeEach(async () => {
  upstream = await startLegacySseUpstream(KEY_ID, SECRET);
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await upstream.close();
  await redis.close();
});

const start = async (shared: boolean) => {
  const proxy = await startTestProxy(
    { ...(shared ? { redis: { url: redis.url, replicas: 2 } } : {}), servers: { old: { url: upstream.url, transport: 'sse', auth: { type: 'hmac', keyId: KEY_ID, secret: 'env:TEST_SECRET' } } } },
    { TEST_SECRET: SECRET },
  );
  proxies.push(proxy);
  return proxy;
};

const post = (url: string, body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('a message POSTed to another replica than the stream\'s reaches the upstream session; its answer comes on the stream', async () => {
  const holder = await start(true);
  const other = await start(true);
  const stream = await openStream(`${holder.url}/old/sse`, { headers: { accept: 'text/event-stream' } });
  const endpoint = (await stream.next(/event: endpoint\ndata: (.*)\n\n/)).match(/data: (.*)\n/)?.[1] as string;
  const initialize = await post(`${other.url}${endpoint}`, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 't', version: '1' } } });
  expect(initialize.status).toBe(202);
  expect(await stream.next(/data: .*"id":1[,}].*\n\n/)).toContain('"protocolVersion"');
  expect((await post(`${other.url}${endpoint}`, { jsonrpc: '2.0', method: 'notifications/initialized' })).status).toBe(202);
  expect((await post(`${other.url}${endpoint}`, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'via the other replica' } } })).status).toBe(202);
  expect(await stream.next(/data: .*"id":2[,}].*\n\n/)).toContain('legacy echo: via the other replica');
  expect(upstream.rejected()).toEqual([]);

  // The stream closes: its endpoint stops working on every replica.
  stream.req.destroy();
  let status = 202;
  await eventually(() => status === 404, 200, async () => {
    status = (await post(`${other.url}${endpoint}`, { jsonrpc: '2.0', id: 3, method: 'tools/list' })).status;
  });
});

test('without Redis another replica does not know the stream: 404', async () => {
  const holder = await start(false);
  const other = await start(false);
  const stream = await openStream(`${holder.url}/old/sse`, { headers: { accept: 'text/event-stream' } });
  const endpoint = (await stream.next(/event: endpoint\ndata: (.*)\n\n/)).match(/data: (.*)\n/)?.[1] as string;
  expect((await post(`${other.url}${endpoint}`, { jsonrpc: '2.0', id: 1, method: 'tools/list' })).status).toBe(404);
  stream.req.destroy();
});
