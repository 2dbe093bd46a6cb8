// Rate limits in memory (config rateLimits): per caller, per caller and tool
// (batches counted message by message), per server. A spent limit is answered
// by the proxy with HTTP 429, Retry-After and JSON-RPC error -32029 carrying
// retryAfterSeconds; the request never reaches the upstream; the refusal is
// counted in /metrics.
import { countingUpstream, request } from '../helpers/net.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

let upstream: Awaited<ReturnType<typeof countingUpstream>>;
let proxy: TestProxy | undefined;

beforeEach(async () => {
  upstream = await countingUpstream();
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  await upstream.close();
});

const start = async (rateLimits: Record<string, unknown>) => {
  proxy = await startTestProxy({
    rateLimits,
    servers: { a: { url: `${upstream.url}/a/mcp`, auth: { type: 'none' } }, b: { url: `${upstream.url}/b/mcp`, auth: { type: 'none' } } },
  });
  return proxy;
};

let nextId = 1;
const call = (path: string, tool?: string) =>
  request(`${proxy?.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(tool ? { jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name: tool, arguments: {} } } : { jsonrpc: '2.0', id: nextId++, method: 'tools/list' }),
  });

test('per caller: the request past the limit gets 429 with Retry-After and JSON-RPC error -32029, and is not forwarded', async () => {
  await start({ perCaller: '5/min' });
  for (let i = 0; i < 5; i++) expect((await call(i % 2 ? '/a/mcp' : '/b/mcp')).status).toBe(200);
  const refused = await call('/a/mcp', 'echo');
  expect(refused.status).toBe(429);
  const retryAfter = Number(refused.headers['retry-after']);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
  const body = JSON.parse(refused.body);
  expect(body.id).toBe(nextId - 1);
  expect(body.error.code).toBe(-32029);
  expect(body.error.data).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: retryAfter, scope: 'caller', limit: '5/min', server: 'a' });
  expect(body.error.message).toContain('5/min');
  expect(upstream.hits()).toBe(5);
  const metrics = parsePrometheus((await request(`${proxy?.url}/metrics`)).body);
  expect(sampleValue(metrics.samples, 'mcp_proxy_rate_limited_total', { server: 'a', scope: 'caller' })).toBe(1);
  expect(sampleValue(metrics.samples, 'mcp_proxy_requests_total', { server: 'a', rpc_method: 'tools/call', status: '429' })).toBe(1);
});

test('per caller and tool: each tool has its own count; other requests and other tools pass; a batch counts each call', async () => {
  await start({ perCallerTool: '2/min' });
  expect((await call('/a/mcp', 'echo')).status).toBe(200);
  expect((await call('/a/mcp', 'echo')).status).toBe(200);
  const third = await call('/a/mcp', 'echo');
  expect(third.status).toBe(429);
  expect(JSON.parse(third.body).error.data.scope).toBe('callerTool');
  // The same tool name on another server, another tool, and a request that calls no tool: all pass.
  expect((await call('/b/mcp', 'echo')).status).toBe(200);
  expect((await call('/a/mcp', 'add')).status).toBe(200);
  expect((await call('/a/mcp')).status).toBe(200);
  // One "add" spent, and this batch calls it twice more: over the limit of 2.
  const batch = await request(`${proxy?.url}/a/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      { jsonrpc: '2.0', id: 90, method: 'tools/call', params: { name: 'add', arguments: {} } },
      { jsonrpc: '2.0', id: 91, method: 'tools/call', params: { name: 'add', arguments: {} } },
    ]),
  });
  expect(batch.status).toBe(429);
  expect(upstream.hits()).toBe(5);
});

test('per server: a limit for one server leaves the other alone, and counts every caller together', async () => {
  await start({ perServer: { a: '3/min' } });
  for (let i = 0; i < 3; i++) expect((await call('/a/mcp')).status).toBe(200);
  const refused = await call('/a/mcp');
  expect(refused.status).toBe(429);
  expect(JSON.parse(refused.body).error.data).toMatchObject({ scope: 'server', limit: '3/min' });
  for (let i = 0; i < 5; i++) expect((await call('/b/mcp')).status).toBe(200);
  expect(upstream.hits()).toBe(8);
});

test('without rateLimits nothing is limited', async () => {
  await start({});
  for (let i = 0; i < 30; i++) expect((await call('/a/mcp', 'echo')).status).toBe(200);
});

test('per server, one rate for every server: each server counts on its own', async () => {
  await start({ perServer: '2/min' });
  for (const path of ['/a/mcp', '/b/mcp']) {
    expect((await call(path)).status).toBe(200);
    expect((await call(path)).status).toBe(200);
    expect((await call(path)).status).toBe(429);
  }
  expect(upstream.hits()).toBe(4);
});
