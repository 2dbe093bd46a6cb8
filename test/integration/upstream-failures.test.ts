// An upstream that is down or too slow gets a JSON-RPC error naming the
// server (502 / 504) and the proxy keeps serving; the request timeout bounds
// only the wait for response headers, never a stream's life.
import http from 'node:http';
import { listen, openStream, refusingPort, request } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

let proxy: TestProxy;
let upstream: Awaited<ReturnType<typeof listen>>;
let dead: Awaited<ReturnType<typeof refusingPort>>;
const held: http.ServerResponse[] = [];

beforeEach(async () => {
  dead = await refusingPort();
  upstream = await listen((req, res) => {
    if (req.url === '/slow/mcp') {
      held.push(res); // never answers
      return;
    }
    if (req.url === '/stream/mcp') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message\ndata: {"n":1}\n\n');
      held.push(res);
      return;
    }
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":7,"result":{}}');
  });
  proxy = await startTestProxy({
    requestTimeout: '150ms',
    servers: {
      down: { url: `http://127.0.0.1:${dead.port}/mcp`, auth: { type: 'none' } },
      slow: { url: `${upstream.url}/slow/mcp`, auth: { type: 'none' } },
      stream: { url: `${upstream.url}/stream/mcp`, auth: { type: 'none' } },
      ok: { url: `${upstream.url}/ok/mcp`, auth: { type: 'none' } },
    },
  });
});
afterEach(async () => {
  dead.release();
  for (const res of held.splice(0)) res.destroy();
  await proxy.close();
  await upstream.close();
});

const rpc = (server: string) =>
  request(`${proxy.url}/${server}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"jsonrpc":"2.0","id":7,"method":"tools/list"}',
  });

test('an unreachable upstream gets 502 naming the server, and the proxy stays up', async () => {
  const res = await rpc('down');
  expect(res.status).toBe(502);
  const body = JSON.parse(res.body);
  expect(body).toMatchObject({ jsonrpc: '2.0', id: 7, error: { data: { code: 'UPSTREAM_UNREACHABLE', server: 'down' } } });
  expect(body.error.message).toContain('Upstream "down" is unreachable (ECONNREFUSED)');
  expect((await request(`${proxy.url}/healthz`)).status).toBe(200);
  expect((await rpc('ok')).status).toBe(200);
  expect(proxy.logs.lines().some((l) => l.message === 'upstream unreachable' && l.server === 'down')).toBe(true);
});

test('an upstream that sends no headers within the timeout gets 504', async () => {
  const res = await rpc('slow');
  expect(res.status).toBe(504);
  expect(JSON.parse(res.body)).toMatchObject({ id: 7, error: { data: { code: 'UPSTREAM_TIMEOUT', server: 'slow' } } });
  expect((await rpc('ok')).status).toBe(200);
});

test('a stream outlives the request timeout once headers arrived', async () => {
  const stream = await openStream(`${proxy.url}/stream/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(stream.res.statusCode).toBe(200);
  await stream.next(/data: \{"n":1\}\n\n/);
  const streamRes = held[held.length - 1];
  // A request to the silent server times out after the same 150 ms: by then the stream's own timer would have fired too.
  expect((await rpc('slow')).status).toBe(504);
  (streamRes as http.ServerResponse).write('event: message\ndata: {"n":2}\n\n');
  await stream.next(/data: \{"n":2\}\n\n/);
  stream.req.destroy();
});
