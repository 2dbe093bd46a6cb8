// Credentials an agent sends never reach the upstream; the proxy's own
// signature does, and MCP protocol headers pass through untouched.
import { checkSignature } from '../helpers/gateway.js';
import { listen, request } from '../helpers/net.js';
import { KEY_ID, SECRET, hmacServer, startTestProxy, type TestProxy } from '../helpers/proxy.js';
import type { IncomingMessage } from 'node:http';

let proxy: TestProxy;
let upstream: Awaited<ReturnType<typeof listen>>;
let received: IncomingMessage[] = [];
let verdicts: string[] = [];

beforeEach(async () => {
  received = [];
  verdicts = [];
  upstream = await listen((req, res) => {
    received.push(req);
    verdicts.push(checkSignature(req, KEY_ID, SECRET));
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'sess-9' }).end('{"jsonrpc":"2.0","id":1,"result":{}}'));
  });
  proxy = await startTestProxy({ servers: { gw: hmacServer(`${upstream.url}/base/mcp`) } }, { TEST_SECRET: SECRET });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

/** MCP protocol headers of every era: they must arrive exactly as sent. */
const MCP_HEADERS = {
  'mcp-session-id': 'sess-9',
  'mcp-protocol-version': '2026-07-28',
  'mcp-method': 'tools/call',
  'mcp-name': 'echo',
  'mcp-param-x-custom': 'kept',
  'last-event-id': 'evt-3',
};

test('agent credentials are stripped before signing, MCP headers kept', async () => {
  const res = await request(`${proxy.url}/gw/mcp?trace=1`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: 'Bearer agent-token',
      cookie: 'session=agent',
      'x-api-key-id': 'agent-key',
      'x-signature': 'agent-signature',
      'x-timestamp': '2000-01-01T00:00:00Z',
      'x-glean-actas': 'evil@example.com',
      'x-scio-actas': 'evil@example.com',
      'x-forwarded-for': '10.0.0.1',
      'x-forwarded-host': 'evil.example',
      ...MCP_HEADERS,
    },
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}',
  });
  expect(res.status).toBe(200);
  expect(res.headers['mcp-session-id']).toBe('sess-9');
  expect(received).toHaveLength(1);
  const headers = (received[0] as IncomingMessage).headers;
  expect(verdicts).toEqual(['accepted']);
  expect(headers['x-api-key-id']).toBe(KEY_ID);
  expect(headers['x-signature']).not.toBe('agent-signature');
  for (const name of ['authorization', 'cookie', 'x-glean-actas', 'x-scio-actas', 'x-forwarded-for', 'x-forwarded-host', 'origin']) {
    expect(headers[name]).toBeUndefined();
  }
  expect(headers).toMatchObject({
    ...MCP_HEADERS,
    accept: 'application/json, text/event-stream',
    host: new URL(upstream.url).host,
  });
  expect((received[0] as IncomingMessage).url).toBe('/base/mcp?trace=1');
});
