// The Streamable HTTP side of a command server, on the wire: a JSON answer
// or an event stream as the client's Accept allows, 202 for notifications,
// the GET stream with event ids (what was sent while it was closed arrives
// when it opens again, and Last-Event-ID replays), 404 for an unknown
// session, and 2026-07-28 requests served without a session (GET 405).
import { openStream, request } from '../helpers/net.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { sdkServer } from '../helpers/stdio-servers.js';

const BOTH = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
let proxy: TestProxy;
let url: string;

beforeEach(async () => {
  proxy = await startTestProxy({ servers: { tools: sdkServer() } });
  url = `${proxy.url}/tools/mcp`;
});
afterEach(async () => {
  await proxy.close();
});

async function session(): Promise<string> {
  const opened = await request(url, { method: 'POST', headers: BOTH, body: JSON.stringify(INIT) });
  expect(opened.status).toBe(200);
  const id = opened.headers['mcp-session-id'] as string;
  expect(await post(id, { jsonrpc: '2.0', method: 'notifications/initialized' })).toMatchObject({ status: 202, body: '' });
  return id;
}

function post(id: string | undefined, body: unknown, headers: Record<string, string> = BOTH) {
  return request(url, { method: 'POST', headers: { ...headers, ...(id ? { 'mcp-session-id': id } : {}) }, body: JSON.stringify(body) });
}

const call = (id: number, name: string, args: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

test('answers are JSON when the client takes it, an event stream when it takes only that; a batch gets every answer', async () => {
  const id = await session();
  const json = await post(id, call(1, 'echo', { text: 'a' }));
  expect(json.headers['content-type']).toBe('application/json');
  expect(JSON.parse(json.body)).toEqual({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'echo: a' }] } });

  const sse = await post(id, call(2, 'echo', { text: 'b' }), { 'content-type': 'application/json', accept: 'text/event-stream' });
  expect(sse.headers['content-type']).toBe('text/event-stream');
  expect(sse.body).toBe(`event: message\ndata: ${JSON.stringify({ result: { content: [{ type: 'text', text: 'echo: b' }] }, jsonrpc: '2.0', id: 2 })}\n\n`);

  const batch = await post(id, [call(3, 'echo', { text: 'c' }), call(4, 'echo', { text: 'd' })]);
  expect((JSON.parse(batch.body) as Array<{ id: number }>).map((m) => m.id).sort()).toEqual([3, 4]);
});

test('unknown session: 404; no session on a request: 400', async () => {
  expect((await post('not-a-session', call(1, 'echo', { text: 'x' }))).status).toBe(404);
  expect((await post(undefined, call(1, 'echo', { text: 'x' }))).status).toBe(400);
});

test('the GET stream gets the server\'s own messages with event ids, those sent while it was closed, and replays after Last-Event-ID', async () => {
  const id = await session();
  const sseHeaders = { accept: 'text/event-stream', 'mcp-session-id': id };
  const first = await openStream(url, { headers: sseHeaders });
  expect(first.res.statusCode).toBe(200);
  await post(id, call(1, 'notify'));
  expect(await first.next(/id: 1\nevent: message\ndata: .*tools\/list_changed/)).toBeTruthy();
  first.req.destroy();

  await post(id, call(2, 'notify'));
  const second = await openStream(url, { headers: sseHeaders });
  const missed = await second.next(/id: (\d+)\nevent: message\ndata: .*list_changed/);
  expect(/id: (\d+)/.exec(missed)?.[1]).toBe('2');
  second.req.destroy();

  const replay = await openStream(url, { headers: { ...sseHeaders, 'last-event-id': '0' } });
  expect(await replay.next(/id: 1\n[\s\S]*id: 2\n/)).toMatch(/^id: 1\nevent: message\ndata: .*list_changed/);
  replay.req.destroy();
});

test('2026-07-28: requests without a session are answered statelessly; GET gets 405', async () => {
  const modern = { ...BOTH, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call' };
  const meta = { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } };
  const answers = await Promise.all(
    Array.from({ length: 10 }, (_, i) => post(undefined, { jsonrpc: '2.0', id: 'same-id', method: 'tools/call', params: { ...meta, name: 'echo', arguments: { text: `n${i}` } } }, modern)),
  );
  expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
  expect(answers.map((a) => a.headers['mcp-session-id'])).toEqual(Array(10).fill(undefined));
  expect(answers.map((a) => (JSON.parse(a.body) as { result: { content: Array<{ text: string }> } }).result.content[0]?.text)).toEqual(Array.from({ length: 10 }, (_, i) => `echo: n${i}`));
  const get = await request(url, { headers: { accept: 'text/event-stream', 'mcp-protocol-version': '2026-07-28' } });
  expect(get.status).toBe(405);
  expect(get.headers.allow).toBe('POST');
});
