// OAuth discovery paths and unknown routes are answered locally with 404 and
// never reach the upstream; health and readiness answer without it too.
import { countingUpstream, request } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

let proxy: TestProxy;
let upstream: Awaited<ReturnType<typeof countingUpstream>>;

beforeEach(async () => {
  upstream = await countingUpstream();
  proxy = await startTestProxy({ servers: { a: { url: `${upstream.url}/mcp`, auth: { type: 'none' } }, b: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

test.each([
  '/.well-known/oauth-authorization-server',
  '/.well-known/oauth-protected-resource',
  '/.well-known/oauth-protected-resource/a/mcp',
  '/.well-known/openid-configuration',
  '/a/mcp/.well-known/oauth-protected-resource',
  '/authorize',
  '/token',
  '/register',
])('%s gets a local 404', async (path) => {
  const res = await request(`${proxy.url}${path}`, { method: path === '/token' ? 'POST' : 'GET', headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(404);
  expect(JSON.parse(res.body)).toMatchObject({ jsonrpc: '2.0', error: { data: { code: 'NOT_AN_AUTHORIZATION_SERVER' } } });
  expect(upstream.hits()).toBe(0);
});

test('an unknown server gets a 404 naming the configured ones', async () => {
  const res = await request(`${proxy.url}/nope/mcp`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(404);
  expect(JSON.parse(res.body).error.message).toContain('configured: a, b');
  expect(upstream.hits()).toBe(0);
});

test('/mcp with two servers and no defaultServer explains what to use', async () => {
  const res = await request(`${proxy.url}/mcp`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(404);
  expect(JSON.parse(res.body).error.message).toContain('/{server}/mcp with one of: a, b');
  expect(upstream.hits()).toBe(0);
});

test.each(['/a/mcp/../../admin', '/a/mcp/%2e%2e/admin', '/a/mcp/./x'])('dot segments in %s cannot climb out of the upstream base path', async (rawPath) => {
  const res = await request(proxy.url, { method: 'GET', rawPath });
  expect(res.status).toBe(400);
  expect(upstream.hits()).toBe(0);
});

test('/healthz and /readyz answer locally', async () => {
  expect((await request(`${proxy.url}/healthz`)).status).toBe(200);
  const ready = await request(`${proxy.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(JSON.parse(ready.body)).toMatchObject({ status: 'ready', servers: { a: { ready: true }, b: { ready: true } } });
  expect(upstream.hits()).toBe(0);
});
