// An upstream without a server stream answers GET with 405; agents still get
// a stream: a local SSE response with `: keepalive` at once, then periodically.
import { eventually, listen, openStream } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

let proxy: TestProxy;
let upstream: Awaited<ReturnType<typeof listen>>;
const seen: string[] = [];

beforeEach(async () => {
  seen.length = 0;
  upstream = await listen((req, res) => {
    seen.push(req.method ?? '');
    res.writeHead(405, { allow: 'POST, DELETE' }).end();
  });
  proxy = await startTestProxy({ heartbeatMs: 40, servers: { plain: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

test('GET answered 405 upstream becomes a local keep-alive stream', async () => {
  const stream = await openStream(`${proxy.url}/mcp`, { headers: { accept: 'text/event-stream' } });
  expect(stream.res.statusCode).toBe(200);
  expect(stream.res.headers['content-type']).toBe('text/event-stream');
  await stream.next(/: keepalive\n\n/);
  await stream.next(/: keepalive\n\n/);
  expect(seen).toEqual(['GET']);
  stream.req.destroy();
  // The access line counts the keep-alive comments the proxy wrote itself.
  await eventually(() => proxy.logs.lines().some((l) => l.message === 'request'));
  const line = proxy.logs.lines().find((l) => l.message === 'request');
  expect(line?.bytesOut).toBeGreaterThanOrEqual(2 * ': keepalive\n\n'.length);
});

test('a POST answered 405 is passed through as is', async () => {
  const { request } = await import('../helpers/net.js');
  const res = await request(`${proxy.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(res.status).toBe(405);
  expect(res.headers.allow).toBe('POST, DELETE');
});
