// Answers hide the upstream session and the proxy's credentials: Set-Cookie,
// WWW-Authenticate and Proxy-Authenticate never reach an agent; an upstream
// error answer (4xx/5xx) that repeats a credential the proxy sent (a scheme's
// headers, a static secret header, a bearer or act-as token) has it redacted,
// raw or JSON-escaped, in the body (plain, gzip, past the held size) and in
// header values, with a correct length; success answers pass byte for byte.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { listen, MCP_POST_HEADERS, openStream } from '../helpers/net.js';
import { hmacServer, KEY_ID, SECRET, startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { requestBytes } from '../helpers/recording-upstream.js';

const BEARER = 'b3arer/"tok\\en+5f2e9a';
const API_KEY = 'api-key-4c1d7e0b';
const GLEAN = 'glean-token-93ab7c1e';
const TENANT = 'tenant-secret-61f0d2';
const REDACTED = '[REDACTED]';

let upstream: Awaited<ReturnType<typeof listen>>;
let proxy: TestProxy;
let answer: (req: IncomingMessage, res: ServerResponse) => void;
/** Headers of the last request the upstream got: what the proxy sent. */
let sent: IncomingMessage['headers'];

beforeAll(async () => {
  upstream = await listen((req, res) => {
    sent = req.headers;
    req.resume();
    req.on('end', () => answer(req, res));
  });
  const url = `${upstream.url}/mcp`;
  proxy = await startTestProxy(
    {
      servers: {
        gw: hmacServer(url, { headers: { 'X-Tenant-Key': 'env:TENANT', 'X-Client-Name': 'mcp-auth-proxy-test' } }),
        bear: { url, auth: { type: 'bearer', token: 'env:BEARER' } },
        keys: { url, auth: { type: 'headers', headers: { 'X-Api-Key': 'env:API_KEY' } } },
        glean: { url, auth: { type: 'act-as', token: 'env:GLEAN', user: 'me@acme.com' } },
      },
      logLevel: 'warn',
    },
    { TEST_SECRET: SECRET, BEARER, API_KEY, GLEAN, TENANT },
  );
});
afterAll(async () => {
  await proxy.close();
  await upstream.close();
});

const post = (server: string) => requestBytes(`${proxy.url}/${server}/mcp`, { method: 'POST', headers: MCP_POST_HEADERS, body: Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping"}') });

/** A debug-style error body: every request header raw, then all of them as JSON. */
const echo = (req: IncomingMessage) => `${Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\n')}\n${JSON.stringify(req.headers)}`;

/** The credential values the proxy sent for each server (the signature is per request). */
const credentials = (server: string): string[] =>
  ({
    gw: [KEY_ID, sent['x-signature'] as string, sent['x-timestamp'] as string, TENANT],
    bear: [BEARER, JSON.stringify(BEARER).slice(1, -1)],
    keys: [API_KEY],
    glean: [GLEAN, 'me@acme.com'],
  })[server] as string[];

test.each([
  ['gw', 401],
  ['gw', 500],
  ['bear', 401],
  ['bear', 403],
  ['keys', 502],
  ['glean', 400],
])('%s, HTTP %i echoing the request headers: credentials redacted (raw and JSON-escaped), the rest intact, Content-Length right', async (server, status) => {
  answer = (req, res) => res.writeHead(status, { 'content-type': 'text/plain', 'x-debug-auth': String(req.headers.authorization ?? req.headers['x-signature'] ?? req.headers['x-api-key']) }).end(echo(req));
  const res = await post(server);
  const body = res.body.toString('utf8');
  expect(res.status).toBe(status);
  for (const secret of credentials(server)) {
    expect(body).not.toContain(secret);
    expect(String(res.headers['x-debug-auth'])).not.toContain(secret);
  }
  expect(body).toContain(REDACTED);
  expect(res.headers['x-debug-auth']).toMatch(/^(Bearer )?\[REDACTED\]$/);
  // What is not a credential is left alone: the content type, MCP headers the agent sent.
  expect(body).toContain('content-type: application/json');
  expect(body).toContain('"accept":"application/json, text/event-stream"');
  expect(Number(res.headers['content-length'])).toBe(res.body.length);
});

test('a gzip error body is decoded, redacted and sent decoded', async () => {
  answer = (req, res) => res.writeHead(401, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(JSON.stringify({ error: 'invalid token', got: req.headers.authorization })));
  const res = await post('bear');
  expect(res.status).toBe(401);
  expect(res.headers['content-encoding']).toBeUndefined();
  expect(JSON.parse(res.body.toString('utf8'))).toEqual({ error: 'invalid token', got: REDACTED });
  expect(Number(res.headers['content-length'])).toBe(res.body.length);
});

test('an error body past the held size streams through the redactor: no credential leaks, even split across writes', async () => {
  const filler = 'x'.repeat(997);
  answer = (req, res) => {
    const token = String(req.headers.authorization);
    const text = Array.from({ length: 300 }, (_, i) => `${filler}${i % 7 === 0 ? token : ''}`).join('');
    res.writeHead(500, { 'content-type': 'text/plain' });
    // Odd-sized writes cut the token at every offset.
    for (let at = 0; at < text.length; at += 4093) res.write(text.slice(at, at + 4093));
    res.end();
  };
  const res = await post('bear');
  const body = res.body.toString('utf8');
  expect(res.status).toBe(500);
  expect(res.body.length).toBeGreaterThan(256 * 1024);
  // Its length is known only at the end: it went chunked.
  expect(res.headers['content-length']).toBeUndefined();
  expect(body).not.toContain(BEARER);
  expect(body).toBe(Array.from({ length: 300 }, (_, i) => `${filler}${i % 7 === 0 ? REDACTED : ''}`).join(''));
});

test('an error body in a coding the proxy cannot read is withheld: the status stays, the body says why', async () => {
  answer = (req, res) => res.writeHead(503, { 'content-type': 'text/plain', 'content-encoding': 'compress' }).end(`token ${String(req.headers.authorization)}`);
  const res = await post('bear');
  expect(res.status).toBe(503);
  expect(res.body.toString('utf8')).not.toContain(BEARER);
  expect(JSON.parse(res.body.toString('utf8')).error.data).toMatchObject({ code: 'UPSTREAM_ERROR_WITHHELD', server: 'bear' });
});

test('success answers pass byte for byte, even when they contain a credential value (JSON and SSE)', async () => {
  const json = Buffer.from(`{"jsonrpc":"2.0","id":1,"result":{"note":"${API_KEY}","bytes":"\u00e9\u00ff"}}`);
  answer = (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': json.length }).end(json);
  const res = await post('keys');
  expect(res.status).toBe(200);
  expect(res.body.equals(json)).toBe(true);

  answer = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(`event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{"note":"${API_KEY}"}}\n\n`);
  };
  const sse = await post('keys');
  expect(sse.body.toString('utf8')).toBe(`event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{"note":"${API_KEY}"}}\n\n`);
});

const SESSION_HEADERS = {
  'set-cookie': ['upstream_session=s3cr3t-cookie; HttpOnly', 'other=1'],
  'www-authenticate': 'Bearer resource_metadata="https://gw.example/.well-known/oauth-protected-resource"',
  'proxy-authenticate': 'Basic realm="corp"',
};

test.each([
  [200, 'application/json'],
  [201, 'application/json'],
  [401, 'application/json'],
  [407, 'text/plain'],
  [500, 'text/html'],
])('HTTP %i (%s): Set-Cookie, WWW-Authenticate and Proxy-Authenticate never reach the agent; other headers do', async (status, type) => {
  answer = (_req, res) => res.writeHead(status, { 'content-type': type, 'mcp-session-id': 'sess-1', ...SESSION_HEADERS }).end('{}');
  const res = await post('gw');
  expect(res.status).toBe(status);
  expect(res.headers).toMatchObject({ 'content-type': type, 'mcp-session-id': 'sess-1' });
  for (const name of Object.keys(SESSION_HEADERS)) expect(res.headers[name]).toBeUndefined();
});

test('an event stream’s Set-Cookie and WWW-Authenticate are dropped too', async () => {
  answer = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', ...SESSION_HEADERS });
    res.write(': open\n\n');
  };
  const stream = await openStream(`${proxy.url}/gw/mcp`, { headers: { accept: 'text/event-stream' } });
  expect(stream.res.statusCode).toBe(200);
  for (const name of Object.keys(SESSION_HEADERS)) expect(stream.res.headers[name]).toBeUndefined();
  stream.req.destroy();
});
