// A server whose secret cannot be resolved does not stop the proxy: its
// requests get a 503 JSON-RPC error naming the fix, /readyz says which server
// is not ready, and the other servers keep working.
import { countingUpstream, request } from '../helpers/net.js';
import { hmacServer, startTestProxy, type TestProxy } from '../helpers/proxy.js';

let proxy: TestProxy;
let upstream: Awaited<ReturnType<typeof countingUpstream>>;

beforeEach(async () => {
  upstream = await countingUpstream();
  proxy = await startTestProxy({
    servers: {
      gw: hmacServer(`${upstream.url}/mcp`),
      open: { url: `${upstream.url}/open/mcp`, auth: { type: 'none' } },
    },
  }); // no TEST_SECRET in the environment
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

test('503 with the fix for the server without a credential; the other server works', async () => {
  const res = await request(`${proxy.url}/gw/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":42,"method":"tools/list"}' });
  expect(res.status).toBe(503);
  const body = JSON.parse(res.body);
  expect(body).toMatchObject({ jsonrpc: '2.0', id: 42, error: { data: { code: 'SECRET_ENV_MISSING', server: 'gw' } } });
  expect(body.error.message).toContain('TEST_SECRET');
  expect(body.error.message).toContain('mcp-auth-proxy login gw');
  expect(upstream.hits()).toBe(0);

  const ready = await request(`${proxy.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(JSON.parse(ready.body)).toMatchObject({ status: 'not ready', servers: { gw: { ready: false }, open: { ready: true } } });

  expect((await request(`${proxy.url}/open/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(200);
  expect(upstream.hits()).toBe(1);
  expect(proxy.logs.lines().some((l) => l.message?.toString().includes('no usable credential') && l.server === 'gw')).toBe(true);
});
