// An upstream that refuses the credential: its 401 body reaches the agent,
// without WWW-Authenticate (so the agent does not start OAuth against us),
// and the log says which command fixes it.
import { listen, request } from '../helpers/net.js';
import { hmacServer, startTestProxy, type TestProxy } from '../helpers/proxy.js';

let proxy: TestProxy;
let upstream: Awaited<ReturnType<typeof listen>>;

beforeEach(async () => {
  upstream = await listen((req, res) => {
    req.resume();
    const status = req.url?.startsWith('/forbidden') ? 403 : 401;
    res.writeHead(status, { 'content-type': 'application/json', 'www-authenticate': 'Bearer resource_metadata="https://up/.well-known/oauth-protected-resource"' });
    res.end(JSON.stringify({ error: 'signature rejected by gateway' }));
  });
  proxy = await startTestProxy(
    { servers: { gw: hmacServer(`${upstream.url}/mcp`), gw2: hmacServer(`${upstream.url}/forbidden/mcp`) } },
    { TEST_SECRET: 'wrong-secret-value' },
  );
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

test.each([
  ['gw', 401],
  ['gw2', 403],
])('%s: upstream %i passes through with its body, minus WWW-Authenticate', async (server, status) => {
  const res = await request(`${proxy.url}/${server}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(res.status).toBe(status);
  expect(JSON.parse(res.body)).toEqual({ error: 'signature rejected by gateway' });
  expect(res.headers['www-authenticate']).toBeUndefined();
  const warning = proxy.logs.lines().find((l) => l.message === 'upstream refused the credential');
  expect(warning).toMatchObject({ server, status, hint: expect.stringContaining(`mcp-auth-proxy login ${server}`) });
});
