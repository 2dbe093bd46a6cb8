// Hostile local callers are refused before anything reaches the upstream:
// a foreign or `null` Origin, Sec-Fetch-Site cross-site or same-site, a POST
// that is not application/json (an HTML form), a foreign Host, an absolute
// request target, CONNECT, two Host headers (400); a preflight gets no CORS
// headers, and CORS headers an upstream sends are dropped.
import net from 'node:net';
import { countingUpstream, listen, rawHttp, request } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

let upstream: Awaited<ReturnType<typeof countingUpstream>>;
let proxy: TestProxy;
beforeEach(async () => {
  upstream = await countingUpstream();
  proxy = await startTestProxy({ servers: { gw: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

const json = { 'content-type': 'application/json' };

test.each([
  ['a foreign Origin', { ...json, origin: 'https://evil.example' }, 'FORBIDDEN_ORIGIN'],
  ['Origin: null (a sandboxed page)', { ...json, origin: 'null' }, 'FORBIDDEN_ORIGIN'],
  ['Sec-Fetch-Site: cross-site', { ...json, 'sec-fetch-site': 'cross-site' }, 'FORBIDDEN_SITE'],
  ['Sec-Fetch-Site: same-site (another port)', { ...json, 'sec-fetch-site': 'same-site' }, 'FORBIDDEN_SITE'],
  ['a form post', { 'content-type': 'application/x-www-form-urlencoded' }, 'UNSUPPORTED_CONTENT_TYPE'],
  ['a text/plain post (no preflight needed)', { 'content-type': 'text/plain' }, 'UNSUPPORTED_CONTENT_TYPE'],
  ['a POST without Content-Type', {}, 'UNSUPPORTED_CONTENT_TYPE'],
  ['a foreign Host (DNS rebinding)', { ...json, host: 'evil.example:8787' }, 'FORBIDDEN_HOST'],
])('%s → 403, nothing forwarded', async (_case, headers, code) => {
  const res = await request(`${proxy.url}/gw/mcp`, { method: 'POST', headers, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
  expect(res.status).toBe(403);
  expect(JSON.parse(res.body).error.data.code).toBe(code);
  expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  expect(upstream.hits()).toBe(0);
});

test('same-origin and user-initiated requests still pass', async () => {
  const port = new URL(proxy.url).port;
  for (const headers of [json, { ...json, origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' }, { ...json, 'sec-fetch-site': 'none' }]) {
    expect((await request(`${proxy.url}/gw/mcp`, { method: 'POST', headers, body: '{}' })).status).toBe(200);
  }
  expect(upstream.hits()).toBe(3);
});

test('an absolute request target (open-proxy use) → 403; CONNECT → 405; nothing forwarded', async () => {
  const { port } = new URL(proxy.url);
  const raw = (text: string) =>
    new Promise<string>((resolve) => {
      let answer = '';
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(text));
      socket.on('data', (c) => (answer += c.toString()));
      socket.on('close', () => resolve(answer));
      socket.on('end', () => socket.end());
    });
  const absolute = await raw(`GET ${upstream.url}/mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  expect(absolute).toMatch(/^HTTP\/1\.1 403/);
  expect(absolute).toContain('NOT_A_PROXY');
  const connect = await raw(`CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n`);
  expect(connect).toMatch(/^HTTP\/1\.1 405/);
  expect(upstream.hits()).toBe(0);
});

test('a CORS preflight gets no Access-Control headers; a foreign one is refused outright', async () => {
  const port = new URL(proxy.url).port;
  const own = await request(`${proxy.url}/gw/mcp`, { method: 'OPTIONS', headers: { origin: `http://127.0.0.1:${port}`, 'access-control-request-method': 'POST' } });
  expect(own.status).toBe(204);
  expect(Object.keys(own.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  const foreign = await request(`${proxy.url}/gw/mcp`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
  expect(foreign.status).toBe(403);
  expect(Object.keys(foreign.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  expect(upstream.hits()).toBe(0);
});

test('CORS headers an upstream sends never reach the client', async () => {
  const permissive = await listen((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*', 'access-control-allow-headers': '*' }).end('{}'));
  });
  const other = await startTestProxy({ servers: { open: { url: `${permissive.url}/mcp`, auth: { type: 'none' } } } });
  try {
    const res = await request(`${other.url}/open/mcp`, { method: 'POST', headers: json, body: '{}' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  } finally {
    await other.close();
    await permissive.close();
  }
});

test.each([['TRACE'], ['PUT'], ['PATCH'], ['PROPFIND']])('%s on an MCP route → 405, nothing forwarded (TRACE would echo the signed credential)', async (method) => {
  const res = await request(`${proxy.url}/gw/mcp`, { method, headers: json, body: method === 'TRACE' ? undefined : '{}' });
  expect(res.status).toBe(405);
  expect(res.headers.allow).toBe('GET, POST, DELETE');
  expect(upstream.hits()).toBe(0);
});

test.each([
  ['the proxy’s own host twice', (own: string) => [`Host: ${own}`, `Host: ${own}`]],
  ['its own host, then a foreign one', (own: string) => [`Host: ${own}`, 'Host: internal.example']],
  ['two spellings of the name', (own: string) => [`Host: ${own}`, `host: ${own}`]],
])('two Host headers (%s) → 400, nothing forwarded', async (_case, hosts) => {
  const own = `127.0.0.1:${proxy.proxy.port}`;
  const answer = await rawHttp(proxy.proxy.port, ['POST /gw/mcp HTTP/1.1', ...hosts(own), 'Content-Type: application/json'].join('\r\n'), '{}');
  expect(answer.status).toBe(400);
  expect(JSON.parse(answer.body).error).toMatchObject({ code: -32600, data: { code: 'DUPLICATE_HOST' } });
  expect(upstream.hits()).toBe(0);
});
