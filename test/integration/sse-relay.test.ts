// SSE relay: a stream whose upstream has sent only its headers reaches the
// client at once (agents wait for the headers before they read events), and
// each later event is delivered as it comes.
import type { ServerResponse } from 'node:http';
import { listen, openStream } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

let proxy: TestProxy;
let upstream: Awaited<ReturnType<typeof listen>>;
let held: ServerResponse | undefined;

beforeEach(async () => {
  upstream = await listen((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    held = res;
  });
  proxy = await startTestProxy({ servers: { s: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } });
});
afterEach(async () => {
  held?.destroy();
  await proxy.close();
  await upstream.close();
});

test('headers of a silent stream arrive before any event, then events one by one', async () => {
  const stream = await openStream(`${proxy.url}/mcp`, { headers: { accept: 'text/event-stream' } });
  expect(stream.res.statusCode).toBe(200);
  expect(stream.res.headers).toMatchObject({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
  held?.write('id: 1\nevent: message\ndata: {"a":1}\n\n');
  expect(await stream.next(/data: \{"a":1\}\n\n/)).toContain('"a":1');
  held?.write('id: 2\nevent: message\ndata: {"a":2}\n\n');
  expect(await stream.next(/data: \{"a":2\}\n\n/)).toContain('"a":2');
  stream.req.destroy();
});
