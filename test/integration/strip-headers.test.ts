// Credentials an agent sends never reach the upstream; the proxy's own
// signature does, and MCP protocol headers pass through untouched. Every
// spelling counts: servers behind CGI, WSGI, PHP or Rack read X_Glean_ActAs
// as X-Glean-ActAs, so names are matched in any case with `_` for `-`.
import fc from 'fast-check';
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
  proxy = await startTestProxy({ servers: { gw: hmacServer(`${upstream.url}/base/mcp`, { headers: { 'X-Tenant-Key': 'env:TENANT_KEY', 'X-Client-Name': 'proxy' } }) } }, { TEST_SECRET: SECRET, TENANT_KEY: TENANT_KEY });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

const TENANT_KEY = 'tenant-key-8a7b6c';

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

/**
 * Every header an agent must not set: credentials, identity and client-address
 * assertions, target and method overrides, the forwarding family, this
 * server's static headers, and the proxy's own request id.
 */
const STRIPPED = [
  'authorization', 'proxy-authorization', 'cookie', 'x-api-key-id', 'x-api-key', 'x-signature', 'x-timestamp', 'x-nonce',
  'x-glean-actas', 'x-scio-actas', 'x-glean-auth-type', 'x-auth-token', 'x-access-token', 'private-token', 'x-amz-security-token',
  'x-mcp-proxy-token', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded', 'x-real-ip', 'true-client-ip',
  'cf-connecting-ip', 'x-client-ip', 'x-original-url', 'x-rewrite-url', 'x-http-method-override', 'x-amzn-oidc-identity',
  'x-ms-client-principal-name', 'cf-access-authenticated-user-email', 'x-goog-authenticated-user-email', 'x-auth-request-email',
  'x-tenant-key', 'x-client-name', 'x-request-id',
];

/** How CGI, WSGI, PHP and Rack see a header name: upper case, `-` and `_` alike. */
const asCgi = (name: string) => name.toUpperCase().replaceAll('-', '_');

/** `name` with each letter in random case and each `-` randomly `_`. */
const spelling = (name: string) =>
  fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: name.length, maxLength: name.length }).map((flips) =>
    [...name].map((c, i) => (c === '-' ? ((flips[i] as [boolean, boolean])[0] ? '_' : '-') : (flips[i] as [boolean, boolean])[1] ? c.toUpperCase() : c)).join(''),
  );

/** Every value each stripped header arrived with upstream, under its CGI name. */
function arrivedAs(req: IncomingMessage): Record<string, string[]> {
  const seen: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const cgi = asCgi(req.rawHeaders[i] as string);
    if (STRIPPED.some((name) => asCgi(name) === cgi)) (seen[cgi] ??= []).push(req.rawHeaders[i + 1] as string);
  }
  return seen;
}

const post = (headers: Record<string, string>) =>
  request(`${proxy.url}/gw/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });

/** What the proxy itself sends for these names; nothing else may arrive under them. */
const ownValues = (req: IncomingMessage) => ({
  X_API_KEY_ID: [KEY_ID],
  X_SIGNATURE: [req.headers['x-signature'] as string],
  X_TIMESTAMP: [req.headers['x-timestamp'] as string],
  X_TENANT_KEY: [TENANT_KEY],
  X_CLIENT_NAME: ['proxy'],
  X_REQUEST_ID: [req.headers['x-request-id'] as string],
});

test.each(STRIPPED)('%s in underscore and mixed-case spellings never reaches the upstream', async (name) => {
  const mixed = name.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('_');
  // Two header lines: node:http's client sends one per name regardless of case.
  const res = await post({ [mixed]: 'agent-1', [name.toUpperCase()]: 'agent-2' });
  expect(res.status).toBe(200);
  expect(verdicts).toEqual(['accepted']);
  const req = received[0] as IncomingMessage;
  expect(arrivedAs(req)).toEqual(ownValues(req));
});

test('random spellings of stripped headers, several at once: only the proxy’s own values arrive, signed', async () => {
  const headers = fc
    .uniqueArray(fc.constantFrom(...STRIPPED), { minLength: 1, maxLength: 6 })
    .chain((names) => fc.tuple(...names.map((name) => spelling(name))))
    // One spelling per CGI name: node:http would join two spellings that differ only in case.
    .map((names) => Object.fromEntries(names.map((name, i) => [name, `agent-value-${i}`])));
  await fc.assert(
    fc.asyncProperty(headers, async (sent) => {
      received = [];
      verdicts = [];
      expect((await post(sent)).status).toBe(200);
      const req = received[0] as IncomingMessage;
      expect(verdicts).toEqual(['accepted']);
      expect(arrivedAs(req)).toEqual(ownValues(req));
    }),
    { numRuns: 100 },
  );
}, 60_000);

test('other headers with underscores pass as sent: Mcp-Param-* names come from tool schemas, where `_` is common', async () => {
  const res = await post({ 'Mcp-Param-user_id': 'u-42', 'x_custom_trace': 't-1' });
  expect(res.status).toBe(200);
  expect((received[0] as IncomingMessage).headers).toMatchObject({ 'mcp-param-user_id': 'u-42', x_custom_trace: 't-1' });
});

test('MCP protocol headers in another spelling (Mcp_Session_Id) never arrive: the proxy checks sessions under the real name only', async () => {
  const res = await post({ Mcp_Session_Id: 'someone-elses', Last_Event_Id: 'evt-9', MCP_PROTOCOL_VERSION: '2025-06-18', Mcp_Method: 'ping', Mcp_Name: 'x' });
  expect(res.status).toBe(200);
  const arrived = Object.keys((received[0] as IncomingMessage).headers);
  expect(arrived.filter((name) => name.includes('_'))).toEqual([]);
  // The real spelling passes as before.
  received = [];
  await post({ 'mcp-session-id': 'sess-9' });
  expect((received[0] as IncomingMessage).headers['mcp-session-id']).toBe('sess-9');
});
