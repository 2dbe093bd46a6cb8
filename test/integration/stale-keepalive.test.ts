// A request the upstream never saw is sent once more on a fresh connection:
// a pooled keep-alive socket the upstream already closed, reset before any
// response byte. Once response bytes came back there is no retry, and a
// second failure is the usual 502.
//
// The stale socket is staged deterministically: the upstream closes a served
// socket the moment the next request arrives on it, before its application
// sees that request — what a proxy sees when the upstream's idle timeout wins
// the race against a new request. (Closing it while idle cannot stage that
// race in one process: the proxy's agent notices the FIN before any next request.)
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { checkSignature } from '../helpers/gateway.js';
import { listen, request } from '../helpers/net.js';
import { hmacServer, KEY_ID, SECRET, startTestProxy, type TestProxy } from '../helpers/proxy.js';

type Close = 'destroy' | 'resetAndDestroy';

interface Seen {
  method: string;
  body: string;
  verdict: string;
}

let proxy: TestProxy | undefined;
const closers: Array<() => Promise<void>> = [];

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
  for (const close of closers.splice(0)) await close();
});

/**
 * An upstream whose sockets serve one response each. `onReuse` says what a
 * socket does with a second request: close (FIN or RST) before the
 * application sees it, or let the application answer it badly. Answers wait
 * until `together` requests are in (so that that many sockets end up pooled).
 */
async function oneShotUpstream(onReuse: (req: IncomingMessage, res: ServerResponse) => void) {
  let together = 1;
  const seen: Seen[] = [];
  const served = new WeakSet<Socket>();
  const waiting: Array<() => void> = [];
  let connections = 0;
  const upstream = await listen((req, res) => {
    if (served.has(req.socket)) return onReuse(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', body: Buffer.concat(chunks).toString('utf8'), verdict: checkSignature(req, KEY_ID, SECRET) });
      res.on('finish', () => served.add(req.socket));
      waiting.push(() => res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive' }).end('{"jsonrpc":"2.0","id":1,"result":{}}'));
      if (waiting.length >= together) for (const answer of waiting.splice(0)) answer();
    });
  });
  upstream.server.keepAliveTimeout = 60_000;
  upstream.server.on('connection', () => (connections += 1));
  closers.push(upstream.close);
  return { ...upstream, seen, connections: () => connections, answerTogether: (n: number) => (together = n) };
}

async function proxyTo(url: string): Promise<TestProxy> {
  proxy = await startTestProxy({ servers: { s: hmacServer(`${url}/mcp`) } }, { TEST_SECRET: SECRET });
  return proxy;
}

const retries = (p: TestProxy) => p.logs.lines().filter((l) => l.message === 'retrying on a fresh connection' && l.server === 's');

// Larger than one socket write, so the held body is re-sent whole, not just its first chunk.
const PAYLOAD = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x'.repeat(200_000) } } });
const send = (p: TestProxy, method: string, body = PAYLOAD) =>
  request(`${p.url}/mcp`, method === 'POST' ? { method, headers: { 'content-type': 'application/json' }, body } : { method });
// Small enough for the 502 to carry its JSON-RPC id (the proxy parses bodies up to 64 KiB for it).
const SMALL = '{"jsonrpc":"2.0","id":2,"method":"tools/list"}';

describe.each<[string, Close]>([
  ['POST', 'destroy'],
  ['POST', 'resetAndDestroy'],
  ['GET', 'destroy'],
  ['GET', 'resetAndDestroy'],
])('%s on a pooled socket the upstream closed (%s)', (method, close) => {
  test('is sent once more on a fresh connection and succeeds', async () => {
    const upstream = await oneShotUpstream((req) => req.socket[close]());
    const p = await proxyTo(upstream.url);
    expect((await send(p, method)).status).toBe(200);
    expect(upstream.connections()).toBe(1);

    const res = await send(p, method);
    expect(res.status).toBe(200);
    expect(res.body).toBe('{"jsonrpc":"2.0","id":1,"result":{}}');
    expect(upstream.seen).toHaveLength(2);
    expect(upstream.seen[1]).toEqual({ method, body: method === 'POST' ? PAYLOAD : '', verdict: 'accepted' });
    expect(upstream.connections()).toBe(2);
    const logged = retries(p);
    expect(logged).toHaveLength(1);
    expect(['ECONNRESET', 'EPIPE']).toContain(logged[0]?.code);
  });
});

test('several stale pooled sockets: the retry opens a new connection instead of taking another', async () => {
  const upstream = await oneShotUpstream((req) => req.socket.resetAndDestroy());
  const p = await proxyTo(upstream.url);
  upstream.answerTogether(3);
  const first = await Promise.all([send(p, 'GET'), send(p, 'GET'), send(p, 'GET')]);
  expect(first.map((r) => r.status)).toEqual([200, 200, 200]);
  expect(upstream.connections()).toBe(3);

  upstream.answerTogether(1);
  const res = await send(p, 'POST');
  expect(res.status).toBe(200);
  expect(upstream.connections()).toBe(4);
  expect(upstream.seen).toHaveLength(4);
  expect(retries(p)).toHaveLength(1);
});

test('an upstream that resets every connection gets one 502, after at most one retry', async () => {
  let connections = 0;
  const resetting = net.createServer((socket) => {
    connections += 1;
    socket.resetAndDestroy();
  });
  await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => resetting.close(() => resolve())));
  const p = await proxyTo(`http://127.0.0.1:${(resetting.address() as AddressInfo).port}`);

  const res = await send(p, 'POST', SMALL);
  expect(res.status).toBe(502);
  expect(JSON.parse(res.body)).toMatchObject({ jsonrpc: '2.0', id: 2, error: { data: { code: 'UPSTREAM_UNREACHABLE', server: 's' } } });
  expect(connections).toBeGreaterThanOrEqual(1);
  expect(connections).toBeLessThanOrEqual(2);
  expect(retries(p).length).toBeLessThanOrEqual(1);
});

test('a stale pooled socket, then a reset fresh connection: one retry, then 502', async () => {
  const upstream = await oneShotUpstream((req) => req.socket.resetAndDestroy());
  const p = await proxyTo(upstream.url);
  expect((await send(p, 'POST')).status).toBe(200);
  // From now on every new connection is reset as soon as it is accepted.
  upstream.server.prependListener('connection', (socket: Socket) => socket.resetAndDestroy());

  const res = await send(p, 'POST', SMALL);
  expect(res.status).toBe(502);
  expect(JSON.parse(res.body)).toMatchObject({ id: 2, error: { data: { code: 'UPSTREAM_UNREACHABLE', server: 's' } } });
  expect(upstream.connections()).toBe(2);
  expect(upstream.seen).toHaveLength(1);
  expect(retries(p)).toHaveLength(1);
  expect(p.logs.lines().some((l) => l.message === 'upstream unreachable' && l.server === 's')).toBe(true);
});

describe.each<[Close]>([['destroy'], ['resetAndDestroy']])('headers, then the pooled socket closes (%s)', (close) => {
  test('no retry: the upstream saw the request once, the client response ends early', async () => {
    let kill = () => undefined as void;
    const upstream = await oneShotUpstream((req, res) => {
      upstream.seen.push({ method: req.method ?? '', body: '', verdict: checkSignature(req, KEY_ID, SECRET) });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"jsonrpc":"2.0",');
      kill = () => req.socket[close]();
    });
    const p = await proxyTo(upstream.url);
    expect((await send(p, 'GET')).status).toBe(200);

    // The upstream closes once the client has the headers: the proxy surely read them by then.
    const complete = await new Promise<boolean>((resolve, reject) => {
      http
        .get(`${p.url}/mcp`, { agent: false }, (res) => {
          expect(res.statusCode).toBe(200);
          res.resume();
          res.once('close', () => resolve(res.complete));
          kill();
        })
        .on('error', reject);
    });
    expect(complete).toBe(false);
    expect(upstream.seen).toHaveLength(2);
    expect(upstream.connections()).toBe(1);
    expect(retries(p)).toHaveLength(0);
  });
});

test('part of a status line then a reset on a pooled socket: no retry, 502', async () => {
  const upstream = await oneShotUpstream((req) => {
    upstream.seen.push({ method: req.method ?? '', body: '', verdict: 'partial' });
    // FIN, not RST: a reset may drop bytes the proxy has not read yet.
    req.socket.end('HTTP/1.1 200 O');
  });
  const p = await proxyTo(upstream.url);
  expect((await send(p, 'GET')).status).toBe(200);

  const res = await send(p, 'GET');
  expect(res.status).toBe(502);
  expect(upstream.seen).toHaveLength(2);
  expect(upstream.connections()).toBe(1);
  expect(retries(p)).toHaveLength(0);
});
