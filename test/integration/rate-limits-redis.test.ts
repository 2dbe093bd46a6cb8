// Rate limits shared through a real Redis (redis-server, started here on
// loopback): two proxies count against one limit; with Redis gone each
// counts in memory against limit / redis.replicas, answers no 5xx, logs a
// warning and counts the fallback in /metrics; with Redis back they share
// again.
import { countingUpstream, eventually, request } from '../helpers/net.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
let upstream: Awaited<ReturnType<typeof countingUpstream>>;
let proxies: TestProxy[] = [];

beforeEach(async () => {
  redis = await startRedis();
  upstream = await countingUpstream();
  const config = { rateLimits: { perCaller: '10/min' }, redis: { url: redis.url, replicas: 2 }, servers: { a: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } };
  proxies = [await startTestProxy(config), await startTestProxy(config)];
});
afterEach(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await upstream.close();
  await redis.close();
});

const post = (proxy: TestProxy) =>
  request(`${proxy.url}/a/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' });

async function spread(count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) statuses.push((await post(proxies[i % proxies.length] as TestProxy)).status);
  return statuses;
}

test('two proxies share one limit through Redis; without Redis each keeps limit / replicas, with no 5xx', async () => {
  // 10 per minute for the caller, over both proxies together (in memory each would allow 10: 20 in all).
  const shared = await spread(30);
  expect(shared.filter((s) => s === 200)).toHaveLength(10);
  expect(shared.filter((s) => s === 429)).toHaveLength(20);

  await redis.stop();
  const fallback = await spread(30);
  expect(fallback.filter((s) => s >= 500)).toEqual([]);
  // 10 / 2 replicas = 5 each, counted in memory from zero.
  expect(fallback.filter((s) => s === 200)).toHaveLength(10);
  const scraped = parsePrometheus((await request(`${proxies[0]?.url}/metrics`)).body);
  expect(sampleValue(scraped.samples, 'mcp_proxy_rate_limit_fallback_total', { scope: 'caller' })).toBeGreaterThanOrEqual(15);
  expect(proxies[0]?.logs.text).toContain('Redis is unreachable');

  // Back: the counter in Redis starts anew (nothing persisted) and is shared again.
  await redis.start();
  await eventually(() => proxies.every((p) => p.logs.text.includes('Redis is reachable again')), 5_000);
  const again = await spread(30);
  expect(again.filter((s) => s === 200)).toHaveLength(10);
});
