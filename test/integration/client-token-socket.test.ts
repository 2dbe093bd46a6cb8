// The stronger local modes: with a client token, a missing or wrong token
// gets 401 from the proxy itself (no upstream call), the right one passes and
// is never forwarded, /healthz stays open; the Unix socket listener is mode
// 0600 and serves the same routes.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, request } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

const TOKEN = 'T0k3n-for-the-test-0123456789abcdefghij';
let upstream: Awaited<ReturnType<typeof listen>>;
let seen: http.IncomingHttpHeaders[];
let proxy: TestProxy;
let socketPath: string;

beforeEach(async () => {
  seen = [];
  upstream = await listen((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{}}'));
  });
  socketPath = join(mkdtempSync(join(tmpdir(), 'map-sock-')), 'proxy.sock');
  proxy = await startTestProxy({ socket: socketPath, servers: { gw: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } }, {}, { clientToken: TOKEN });
});
afterEach(async () => {
  await proxy.close();
  await upstream.close();
});

const post = (headers: Record<string, string>) => request(`${proxy.url}/gw/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });

test.each([
  ['no token', {}],
  ['a wrong token of the same length', { 'x-mcp-proxy-token': TOKEN.replace(/.$/, 'X') }],
  ['a wrong token of another length', { 'x-mcp-proxy-token': 'short' }],
  ['the token in Authorization instead', { authorization: `Bearer ${TOKEN}` }],
])('%s → 401 from the proxy, nothing upstream', async (_case, headers) => {
  const res = await post(headers);
  expect(res.status).toBe(401);
  expect(JSON.parse(res.body).error.data.code).toBe('CLIENT_TOKEN_REQUIRED');
  expect(seen).toEqual([]);
});

test('the right token passes and is not forwarded; /healthz needs none; /statusz does', async () => {
  expect((await post({ 'x-mcp-proxy-token': TOKEN })).status).toBe(200);
  expect(seen).toHaveLength(1);
  expect(seen[0]?.['x-mcp-proxy-token']).toBeUndefined();
  expect((await request(`${proxy.url}/healthz`)).status).toBe(200);
  expect((await request(`${proxy.url}/statusz`)).status).toBe(401);
  expect(proxy.logs.text).not.toContain(TOKEN);
});

test('the Unix socket is 0600 and serves the same routes, token rules included', async () => {
  expect(statSync(socketPath).mode & 0o777).toBe(0o600);
  const viaSocket = (headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({ socketPath, path: '/gw/mcp', method: 'POST', headers: { host: 'localhost', 'content-type': 'application/json', ...headers } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{}');
    });
  expect(await viaSocket({ 'x-mcp-proxy-token': TOKEN })).toBe(200);
  expect(await viaSocket({})).toBe(401);
  expect(await viaSocket({ 'x-mcp-proxy-token': TOKEN, origin: 'http://localhost' })).toBe(403);
  expect(seen).toHaveLength(1);
});

test('a socket path holding a regular file is refused, and the file is left alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-sock-file-'));
  const victim = join(dir, 'precious.txt');
  writeFileSync(victim, 'keep me');
  await expect(startTestProxy({ socket: victim, servers: { gw: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } })).rejects.toThrow('something that is not a socket is there');
  expect(readFileSync(victim, 'utf8')).toBe('keep me');
});

test('a live socket of another daemon is not taken over', async () => {
  await expect(startTestProxy({ socket: socketPath, servers: { gw: { url: `${upstream.url}/mcp`, auth: { type: 'none' } } } })).rejects.toThrow('another process is serving it');
  expect(statSync(socketPath).isSocket()).toBe(true);
});
