// The standalone GET stream through an hmac server: a notification the server
// sends on its own reaches the SDK client over it; and a client that drops the
// stream and comes back with Last-Event-ID (passed upstream unchanged) gets
// the events the server sent while it was away, then live ones again.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { eventually, openStream, request } from '../helpers/net.js';
import { hmacServer, SECRET, startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { SequencedEventStore, startStatefulUpstream, type Exchange, type StatefulUpstream } from '../helpers/stateful-upstream.js';

let upstream: StatefulUpstream;
let proxy: TestProxy;
let store: SequencedEventStore;
const cleanups: Array<() => unknown> = [];

beforeEach(async () => {
  upstream = await startStatefulUpstream({ eventStore: () => (store = new SequencedEventStore()) });
  proxy = await startTestProxy({ servers: { gw: hmacServer(upstream.url) } }, { TEST_SECRET: SECRET });
});
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
  await proxy.close();
  await upstream.close();
});

const PROTOCOL = '2025-11-25';
const openGets = () => upstream.received.filter((r) => r.method === 'GET' && r.res.headersSent && !r.closed);
const onlyOpenGet = (): Exchange => {
  const gets = openGets();
  expect(gets).toHaveLength(1);
  return gets[0] as Exchange;
};

test('a notification the server sends on its own arrives over the GET stream', async () => {
  const transport = new StreamableHTTPClientTransport(new URL(`${proxy.url}/gw/mcp`));
  const client = new Client({ name: 'era-get-stream', version: '1.0.0' });
  cleanups.push(() => client.close());
  const logged = new Promise<unknown>((resolve) => client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => resolve(n.params.data)));
  await client.connect(transport);
  const sid = transport.sessionId as string;
  // The SDK client opens the GET stream after initialize; push only once the upstream has it open.
  await eventually(() => openGets().length === 1);
  const get = onlyOpenGet();
  expect(get.verdict).toBe('accepted');
  expect(get.headers['mcp-session-id']).toBe(sid);

  // No request is in flight: the GET stream is the only way this can reach the client.
  await upstream.sessions.get(sid)!.server.sendLoggingMessage({ level: 'info', data: 'pushed by the server' });
  expect(await logged).toBe('pushed by the server');
});

test('reconnecting with Last-Event-ID replays what the server sent meanwhile, then the stream goes on', async () => {
  const json = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = await request(`${proxy.url}/gw/mcp`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
  expect(init.status).toBe(200);
  const sid = init.headers['mcp-session-id'] as string;
  const session = { 'mcp-session-id': sid, 'mcp-protocol-version': PROTOCOL };
  const initialized = await request(`${proxy.url}/gw/mcp`, { method: 'POST', headers: { ...json, ...session }, body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' });
  expect(initialized.status).toBe(202);
  const server = upstream.sessions.get(sid)!.server;

  // First connection: one event, with an id.
  const first = await openStream(`${proxy.url}/gw/mcp`, { headers: { accept: 'text/event-stream', ...session } });
  cleanups.push(() => first.req.destroy());
  expect(first.res.statusCode).toBe(200);
  await eventually(() => openGets().length === 1);
  const firstGet = onlyOpenGet();
  await server.sendLoggingMessage({ level: 'info', data: 'one' });
  const seenOne = await first.next(/[^]*?"one"[^\n]*\n\n/);
  const lastId = /^id: (.+)$/m.exec(seenOne)?.[1] as string;
  expect(lastId).toBe(store.events.find((e) => JSON.stringify(e.message).includes('"one"'))?.id);

  // The client drops the stream; the server goes on sending while nobody listens.
  first.req.destroy();
  await eventually(() => firstGet.closed);
  await server.sendLoggingMessage({ level: 'info', data: 'two' });
  await server.sendLoggingMessage({ level: 'warning', data: 'three' });
  const missed = store.events.filter((e) => /"(two|three)"/.test(JSON.stringify(e.message)));
  expect(missed).toHaveLength(2);

  // Back with Last-Event-ID: the missed events arrive, in order, with their ids, and nothing before them.
  const resumed = await openStream(`${proxy.url}/gw/mcp`, { headers: { accept: 'text/event-stream', 'last-event-id': lastId, ...session } });
  cleanups.push(() => resumed.req.destroy());
  expect(resumed.res.statusCode).toBe(200);
  const resumedGet = upstream.received.filter((r) => r.method === 'GET').at(-1) as Exchange;
  expect(resumedGet).not.toBe(firstGet);
  expect(resumedGet.verdict).toBe('accepted');
  expect(resumedGet.headers['last-event-id']).toBe(lastId);
  expect(resumedGet.headers['mcp-session-id']).toBe(sid);

  const replay = await resumed.next(/[^]*?"three"[^\n]*\n\n/);
  expect(replay).not.toContain('"one"');
  expect([...replay.matchAll(/^id: (.+)$/gm)].map((m) => m[1])).toEqual(missed.map((e) => e.id));
  expect(replay.indexOf('"two"')).toBeLessThan(replay.indexOf('"three"'));

  // The resumed stream is live: a new event comes straight through.
  await server.sendLoggingMessage({ level: 'info', data: 'four' });
  expect(await resumed.next(/[^]*?"four"[^\n]*\n\n/)).toMatch(/^id: .+#\d{4}$/m);
});
