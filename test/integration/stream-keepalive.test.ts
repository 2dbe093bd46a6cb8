// Keep-alive on quiet upstream streams (servers with streamKeepalive): `: keepalive`
// comments after heartbeatMs of silence, only between events, never inside one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, openStream } from '../helpers/net.js';
import { KEY_ID, SECRET, hmacServer, startTestProxy, type TestProxy } from '../helpers/proxy.js';

const LEADING_KEEPALIVES = /^(?:: keepalive\n\n)*/;

let proxy: TestProxy;
let upstream: Awaited<ReturnType<typeof listen>>;
/** Upstream stream requests not yet claimed by a test, and tests waiting for one, by path. */
let arrived: Map<string, Array<{ req: IncomingMessage; res: ServerResponse }>>;
let waiting: Map<string, (stream: { req: IncomingMessage; res: ServerResponse }) => void>;
let opened: ServerResponse[];

beforeEach(async () => {
  arrived = new Map();
  waiting = new Map();
  opened = [];
  upstream = await listen((req, res) => {
    // Each upstream event stream starts with its headers alone: the tests write the events.
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    opened.push(res);
    const path = req.url ?? '';
    const taker = waiting.get(path);
    if (taker) {
      waiting.delete(path);
      taker({ req, res });
    } else arrived.set(path, [...(arrived.get(path) ?? []), { req, res }]);
  });
  const servers = {
    live: hmacServer(`${upstream.url}/live`, { streamKeepalive: true, heartbeatMs: 50 }),
    clock: hmacServer(`${upstream.url}/clock`, { streamKeepalive: true, heartbeatMs: 50 }),
    plain: hmacServer(`${upstream.url}/plain`, { heartbeatMs: 50 }),
  };
  proxy = await startTestProxy({ servers }, { TEST_SECRET: SECRET });
});
afterEach(async () => {
  for (const res of opened) res.destroy();
  await proxy.close();
  await upstream.close();
});

/** The upstream side of the next stream the proxy opens to `path`. */
function upstreamStream(path: string): Promise<{ req: IncomingMessage; res: ServerResponse }> {
  const ready = arrived.get(path)?.shift();
  if (ready) return Promise.resolve(ready);
  return new Promise((resolve) => waiting.set(path, resolve));
}

/** A client stream through the proxy that also keeps every byte it received, in order. */
async function clientStream(server: string) {
  const stream = await openStream(`${proxy.url}/${server}/mcp`, { headers: { accept: 'text/event-stream' } });
  let body = '';
  stream.res.on('data', (chunk: string) => (body += chunk));
  const ended = new Promise<void>((resolve) => stream.res.once('end', resolve));
  return { ...stream, body: () => body, ended };
}

/** Waits until the opted-in, silent `clock` stream has delivered `count` more keepalives: time has passed. */
async function heartbeats(clock: Awaited<ReturnType<typeof clientStream>>, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await clock.next(/: keepalive\n\n/);
}

test('after a complete event and silence, keepalives follow the intact event', async () => {
  const client = await clientStream('live');
  const { req, res } = await upstreamStream('/live');
  expect(req.headers['x-api-key-id']).toBe(KEY_ID);
  const event = 'id: 1\nevent: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"a":1}}\n\n';
  res.write(event);
  await client.next(/data: \{"jsonrpc".*\n\n/);
  await client.next(/: keepalive\n\n/);
  await client.next(/: keepalive\n\n/);
  // Keepalives may also precede the event (a headers-only stream is at a boundary).
  const afterLeading = client.body().replace(LEADING_KEEPALIVES, '');
  expect(afterLeading.startsWith(event)).toBe(true);
  expect(afterLeading.slice(event.length)).toMatch(/^(?:: keepalive\n\n){2,}$/);
  client.req.destroy();
});

test('no keepalive is inserted inside an event, however long the upstream pauses mid-event', async () => {
  const clock = await clientStream('clock');
  const client = await clientStream('live');
  const { res } = await upstreamStream('/live');
  res.write('data: part1\n');
  await client.next(/data: part1\n/);
  await heartbeats(clock, 3); // several heartbeat intervals pass with the event half sent
  res.write('data: part2\n\n');
  await client.next(/data: part2\n\n/);
  await client.next(/: keepalive\n\n/); // once the event is complete and quiet, keepalives resume
  const afterLeading = client.body().replace(LEADING_KEEPALIVES, '');
  expect(afterLeading.startsWith('data: part1\ndata: part2\n\n')).toBe(true);
  expect(afterLeading.slice('data: part1\ndata: part2\n\n'.length)).toMatch(/^(?:: keepalive\n\n)+$/);
  clock.req.destroy();
  client.req.destroy();
});

test('a server without streamKeepalive gets nothing inserted, however long its silence', async () => {
  const clock = await clientStream('clock');
  const client = await clientStream('plain');
  const { res } = await upstreamStream('/plain');
  const first = 'id: 1\ndata: {"a":1}\n\n';
  const last = 'id: 2\ndata: {"a":2}\n\n';
  res.write(first);
  await client.next(/data: \{"a":1\}\n\n/);
  await heartbeats(clock, 3); // the opted-in stream got keepalives meanwhile
  res.end(last);
  await client.ended;
  expect(client.body()).toBe(first + last);
  clock.req.destroy();
});

test('a client that leaves aborts the upstream request and stops the keepalives', async () => {
  const client = await clientStream('live');
  const { res } = await upstreamStream('/live');
  const upstreamClosed = new Promise<void>((resolve) => res.once('close', resolve));
  await client.next(/: keepalive\n\n/);
  client.req.destroy();
  await upstreamClosed; // resolves only if the proxy tore down its upstream request
  expect(proxy.logs.lines().filter((line) => line.level === 'error')).toEqual([]);
});
