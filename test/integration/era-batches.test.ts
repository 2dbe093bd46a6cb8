// 2025-03-26 era JSON-RPC batches through an hmac server: the array the agent
// posts (odd whitespace, odd key order, non-ASCII text) reaches the upstream
// byte for byte under a valid signature, and the upstream's array answer
// reaches the agent byte for byte. A proxy that re-serialises JSON fails here.
import { recordingUpstream, requestBytes, type RecordingUpstream } from '../helpers/recording-upstream.js';
import { hmacServer, SECRET, startTestProxy, type TestProxy } from '../helpers/proxy.js';

// Two requests and a notification; keys out of the usual order, tabs, CRLF,
// a space before a comma, an escaped and an unescaped non-ASCII character.
const BATCH = Buffer.from(
  '[ {"id":1,"method":"tools/list" ,"jsonrpc":"2.0"},\r\n' +
    '\t{"params":{"name":"echo","arguments":{"text":"h\\u00e9llo – 世界"}},"method":"tools/call","jsonrpc":"2.0","id":"two"},\n' +
    '  {"method":"notifications/cancelled","params":{"requestId":0,"reason":"  spaced  "},"jsonrpc":"2.0"}\n]\n',
  'utf8',
);

const ANSWER = Buffer.from(
  '[\n  {"result":{"tools":[]},"jsonrpc":"2.0","id":1} ,\r\n' +
    '\t{"jsonrpc":"2.0","id":"two","result":{"content":[{"type":"text","text":"échō: h\\u00e9llo – 世界"}]}}\n]',
  'utf8',
);

let upstream: RecordingUpstream;
let proxy: TestProxy;

beforeEach(async () => {
  upstream = await recordingUpstream((_request, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': ANSWER.length }).end(ANSWER);
  });
  proxy = await startTestProxy({ servers: { gw: hmacServer(`${upstream.url}/v1/mcp`) } }, { TEST_SECRET: SECRET });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

test('a batch array and its array answer cross the proxy byte-identical, signed', async () => {
  const res = await requestBytes(`${proxy.url}/gw/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-03-26',
      'mcp-session-id': 'batch-session-1',
    },
    body: BATCH,
  });

  expect(upstream.received).toHaveLength(1);
  const seen = upstream.received[0]!;
  expect(seen.verdict).toBe('accepted');
  expect(seen.method).toBe('POST');
  expect(seen.url).toBe('/v1/mcp');
  expect(seen.body.equals(BATCH)).toBe(true);
  expect(seen.headers['content-length']).toBe(String(BATCH.length));
  expect(seen.headers).toMatchObject({ 'mcp-protocol-version': '2025-03-26', 'mcp-session-id': 'batch-session-1', 'content-type': 'application/json' });

  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/json');
  expect(res.body.equals(ANSWER)).toBe(true);
});
