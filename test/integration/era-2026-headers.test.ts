// 2026-07-28 era stateless requests through an hmac server: the routing
// headers (MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-*, even
// unknown ones with encoded values) and the _meta body arrive exactly as sent,
// signed; a stateless upstream's 405 to GET becomes the local heartbeat stream
// and its 405 to DELETE reaches the client as is.
import { openStream } from '../helpers/net.js';
import { recordingUpstream, requestBytes, type RecordingUpstream } from '../helpers/recording-upstream.js';
import { hmacServer, SECRET, startTestProxy, type TestProxy } from '../helpers/proxy.js';

const METHOD_NOT_ALLOWED = Buffer.from('{"jsonrpc":"2.0","error":{"code":-32000,"message":"Method Not Allowed: stateless server"},"id":null}');
const RESULT = Buffer.from('{"jsonrpc":"2.0","id":"w-1","result":{"content":[{"type":"text","text":"Sunny, 21°C"}]}}');

let upstream: RecordingUpstream;
let proxy: TestProxy;

beforeEach(async () => {
  upstream = await recordingUpstream((request, res) => {
    if (request.method === 'POST') res.writeHead(200, { 'content-type': 'application/json' }).end(RESULT);
    else res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' }).end(METHOD_NOT_ALLOWED);
  });
  proxy = await startTestProxy({ servers: { weather: hmacServer(`${upstream.url}/mcp`) } }, { TEST_SECRET: SECRET });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

/** As a 2026-07-28 client writes them: mixed-case names, values whose case and encoding matter. */
const ROUTING_HEADERS = {
  'MCP-Protocol-Version': '2026-07-28',
  'Mcp-Method': 'tools/call',
  'Mcp-Name': 'get_weather',
  'Mcp-Param-Region': 'us-west1',
  'Mcp-Param-X-Custom': '=?base64?SGVsbG8sIOS4lueVjA==?=',
};

const BODY = Buffer.from(
  JSON.stringify({
    jsonrpc: '2.0',
    id: 'w-1',
    method: 'tools/call',
    params: { name: 'get_weather', arguments: { region: 'us-west1' }, _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
  }),
);

test('every routing header and the _meta body reach the upstream untouched, under a valid signature', async () => {
  const res = await requestBytes(`${proxy.url}/weather/mcp`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', ...ROUTING_HEADERS },
    body: BODY,
  });
  expect(res.status).toBe(200);
  expect(res.body.equals(RESULT)).toBe(true);

  expect(upstream.received).toHaveLength(1);
  const seen = upstream.received[0]!;
  expect(seen.verdict).toBe('accepted');
  expect(seen.body.equals(BODY)).toBe(true);
  // Exactly these MCP headers, with exactly these values: none dropped, changed or added.
  const mcpHeaders = Object.fromEntries(Object.entries(seen.headers).filter(([name]) => name.startsWith('mcp-')));
  expect(mcpHeaders).toEqual(Object.fromEntries(Object.entries(ROUTING_HEADERS).map(([name, value]) => [name.toLowerCase(), value])));
  expect(seen.headers.accept).toBe('application/json, text/event-stream');
});

test("a stateless upstream's 405 to GET becomes the local heartbeat stream", async () => {
  const stream = await openStream(`${proxy.url}/weather/mcp`, { headers: { accept: 'text/event-stream', 'MCP-Protocol-Version': '2026-07-28' } });
  expect(stream.res.statusCode).toBe(200);
  expect(stream.res.headers['content-type']).toBe('text/event-stream');
  expect(await stream.next(/^[^]*?\n\n/)).toBe(': keepalive\n\n');
  stream.req.destroy();

  expect(upstream.received.map((r) => [r.method, r.verdict, r.headers['mcp-protocol-version']])).toEqual([['GET', 'accepted', '2026-07-28']]);
});

test("a stateless upstream's 405 to DELETE reaches the client as the upstream sent it", async () => {
  const res = await requestBytes(`${proxy.url}/weather/mcp`, {
    method: 'DELETE',
    headers: { 'MCP-Protocol-Version': '2026-07-28', 'Mcp-Session-Id': 'no-such-thing-in-2026' },
  });
  expect(res.status).toBe(405);
  expect(res.headers.allow).toBe('POST');
  expect(res.headers['content-type']).toBe('application/json');
  expect(res.body.equals(METHOD_NOT_ALLOWED)).toBe(true);

  expect(upstream.received.map((r) => [r.method, r.verdict, r.headers['mcp-protocol-version'], r.headers['mcp-session-id']])).toEqual([
    ['DELETE', 'accepted', '2026-07-28', 'no-such-thing-in-2026'],
  ]);
});
