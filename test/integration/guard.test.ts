// DNS-rebinding and cross-site protection: a foreign Host or Origin is refused
// with 403 before anything is forwarded; the proxy's own origin is fine.
import { countingUpstream, request } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

let proxy: TestProxy;
let upstream: Awaited<ReturnType<typeof countingUpstream>>;

beforeEach(async () => {
  upstream = await countingUpstream();
  proxy = await startTestProxy({ servers: { a: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

const post = (headers: Record<string, string>) =>
  request(`${proxy.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

test.each([
  ['an evil Origin', { origin: 'https://evil.example' }, 'FORBIDDEN_ORIGIN'],
  ['the null Origin', { origin: 'null' }, 'FORBIDDEN_ORIGIN'],
  ['a different local port as Origin', { origin: 'http://127.0.0.1:1' }, 'FORBIDDEN_ORIGIN'],
  ['a rebound Host', { host: 'evil.example' }, 'FORBIDDEN_HOST'],
  ['the right host on another port', { host: 'localhost:1' }, 'FORBIDDEN_HOST'],
])('%s is refused with 403', async (_name, headers, code) => {
  const res = await post(headers);
  expect(res.status).toBe(403);
  expect(JSON.parse(res.body).error.data.code).toBe(code);
  expect(upstream.hits()).toBe(0);
});

test('the proxy’s own origin and host aliases pass', async () => {
  const port = proxy.proxy.port;
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
    const res = await post({ host, origin: `http://${host}` });
    expect(res.status).toBe(200);
  }
  expect(upstream.hits()).toBe(3);
});
