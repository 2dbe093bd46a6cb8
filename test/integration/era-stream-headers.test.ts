// An upstream's SSE answer through an hmac server keeps the headers that keep
// it streaming (X-Accel-Buffering, Cache-Control no-transform) and its own
// custom ones, and stays uncompressed byte for byte even when the client
// offers gzip: the proxy adds no Content-Encoding of its own.
import { recordingUpstream, requestBytes, type RecordingUpstream } from '../helpers/recording-upstream.js';
import { hmacServer, SECRET, startTestProxy, type TestProxy } from '../helpers/proxy.js';

const EVENTS = Buffer.from(
  'event: message\nid: s-1\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"' + 'x'.repeat(2000) + '"}}\n\n' +
    'event: message\nid: s-2\ndata: {"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"done ✓"}]}}\n\n',
);

let upstream: RecordingUpstream;
let proxy: TestProxy;

beforeEach(async () => {
  upstream = await recordingUpstream((_request, res) => {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      'X-Upstream-Trace': 'Trace-7f3A;span=00f067aa0ba902b7',
    });
    res.flushHeaders();
    // Two writes, then the end: a stream, not one body the proxy might treat as a file.
    res.write(EVENTS.subarray(0, 100));
    res.end(EVENTS.subarray(100));
  });
  proxy = await startTestProxy({ servers: { gw: hmacServer(`${upstream.url}/mcp`) } }, { TEST_SECRET: SECRET });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

test.each([
  ['POST', Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow"}}')],
  ['GET', undefined],
])('a %s answered with SSE keeps its streaming headers and arrives uncompressed', async (method, body) => {
  const res = await requestBytes(`${proxy.url}/gw/mcp`, {
    method,
    headers: {
      accept: method === 'GET' ? 'text/event-stream' : 'application/json, text/event-stream',
      'accept-encoding': 'gzip, deflate, br',
      'mcp-session-id': 'stream-session',
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body } : {}),
  });

  expect(upstream.received.map((r) => [r.method, r.verdict])).toEqual([[method, 'accepted']]);
  expect(res.status).toBe(200);
  expect(res.headers).toMatchObject({
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache, no-transform',
    'x-accel-buffering': 'no',
    'x-upstream-trace': 'Trace-7f3A;span=00f067aa0ba902b7',
  });
  expect(res.headers['content-encoding']).toBeUndefined();
  expect(res.body.equals(EVENTS)).toBe(true);
});
