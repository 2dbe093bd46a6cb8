// The proxy relays a redirect as it came and never follows it: following
// would carry a signed request (and its body) to wherever Location points.
import { countingUpstream, listen, request } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

let proxy: TestProxy;
let upstream: Awaited<ReturnType<typeof listen>>;
let elsewhere: Awaited<ReturnType<typeof countingUpstream>>;

beforeEach(async () => {
  elsewhere = await countingUpstream();
  upstream = await listen((req, res) => {
    req.resume();
    const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status'));
    res.writeHead(status, { location: `${elsewhere.url}/moved/mcp`, 'content-type': 'text/plain' }).end('moved');
  });
  proxy = await startTestProxy({ servers: { s: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
  await elsewhere.close();
});

test.each([
  ['GET', 302],
  ['POST', 302],
  ['POST', 307],
  ['POST', 308],
])('%s answered %i reaches the client as such; the target is never requested', async (method, status) => {
  const res = await request(`${proxy.url}/mcp?status=${status}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' } : {}),
  });
  expect(res.status).toBe(status);
  expect(res.headers.location).toBe(`${elsewhere.url}/moved/mcp`);
  expect(res.body).toBe('moved');
  expect(elsewhere.hits()).toBe(0);
});
