// 2025-era sessions through an hmac server, against a stateful SDK upstream:
// the Mcp-Session-Id from initialize reaches the client and comes back on
// every later request, DELETE ends the session upstream, a forgotten session's
// 404 and a notification's empty 202 reach the client exactly as sent.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { request } from '../helpers/net.js';
import { hmacServer, SECRET, startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { startStatefulUpstream, type StatefulUpstream } from '../helpers/stateful-upstream.js';

let upstream: StatefulUpstream;
let proxy: TestProxy;
const clients: Client[] = [];

beforeEach(async () => {
  upstream = await startStatefulUpstream({ basePath: '/api/mcp' });
  proxy = await startTestProxy({ servers: { gw: hmacServer(upstream.url) } }, { TEST_SECRET: SECRET });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await proxy.close();
  await upstream.close();
});

/** An SDK client connected through the proxy; what it saw of each response is kept in `seen`. */
async function connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport; seen: Array<{ method: string; status: number }> }> {
  const seen: Array<{ method: string; status: number }> = [];
  const transport = new StreamableHTTPClientTransport(new URL(`${proxy.url}/gw/mcp`), {
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      seen.push({ method: init?.method ?? 'GET', status: res.status });
      return res;
    },
  });
  const client = new Client({ name: 'era-sessions', version: '1.0.0' });
  clients.push(client);
  await client.connect(transport);
  return { client, transport, seen };
}

const bodyOf = (e: { written: Buffer[] }) => Buffer.concat(e.written).toString('utf8');

test('the session id minted at initialize reaches the client and is sent back on every later request', async () => {
  const { client, transport } = await connect();
  await client.callTool({ name: 'echo', arguments: { text: 'in session' } });

  expect([...upstream.sessions.keys()]).toHaveLength(1);
  const sid = [...upstream.sessions.keys()][0] as string;
  // Only the upstream's initialize response carried this id: the client has it only if the proxy relayed the header.
  expect(transport.sessionId).toBe(sid);
  const [init, ...later] = upstream.received;
  expect(JSON.parse(init!.body.toString('utf8'))).toMatchObject({ method: 'initialize' });
  expect(init!.headers['mcp-session-id']).toBeUndefined();
  expect(later.length).toBeGreaterThanOrEqual(2);
  for (const r of later) expect(r.headers['mcp-session-id']).toBe(sid);
  expect(later.map((r) => r.body.toString('utf8'))).toEqual(expect.arrayContaining([expect.stringContaining('"tools/call"')]));
  expect(upstream.received.map((r) => r.verdict).filter((v) => v !== 'accepted')).toEqual([]);
});

test('terminateSession sends DELETE with the session id; the upstream ends the session and its 200 reaches the client', async () => {
  const { transport, seen } = await connect();
  const sid = transport.sessionId as string;
  await transport.terminateSession();

  const deletes = upstream.received.filter((r) => r.method === 'DELETE');
  expect(deletes).toHaveLength(1);
  expect(deletes[0]!.headers['mcp-session-id']).toBe(sid);
  expect(deletes[0]!.verdict).toBe('accepted');
  expect(deletes[0]!.res.statusCode).toBe(200);
  expect(seen.filter((s) => s.method === 'DELETE')).toEqual([{ method: 'DELETE', status: 200 }]);
  expect(transport.sessionId).toBeUndefined();
  // The session really is gone upstream: its id is now refused.
  const after = await request(`${proxy.url}/gw/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
    body: '{"jsonrpc":"2.0","id":9,"method":"tools/list"}',
  });
  expect(after.status).toBe(404);
});

test("a session the upstream forgot gets the upstream's own 404 through, and the client can initialize anew", async () => {
  const { client, transport } = await connect();
  const sid = transport.sessionId as string;
  await upstream.forget(sid);

  // Raw: status, content type and body exactly as the upstream wrote them.
  const raw = await request(`${proxy.url}/gw/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
    body: '{"jsonrpc":"2.0","id":7,"method":"tools/list"}',
  });
  const answered = upstream.received.find((r) => r.body.toString('utf8').includes('"id":7'))!;
  expect(answered.headers['mcp-session-id']).toBe(sid);
  expect(answered.res.statusCode).toBe(404);
  expect(bodyOf(answered)).toContain('Session not found');
  expect(raw.status).toBe(404);
  expect(answered.wroteHeaders['content-type']).toBe('application/json');
  expect(raw.headers['content-type']).toBe('application/json');
  expect(raw.body).toBe(bodyOf(answered));

  // The SDK client sees the 404 as such (its cue to re-initialize)...
  const error = await client.listTools().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StreamableHTTPError);
  expect((error as StreamableHTTPError).code).toBe(404);
  expect((error as Error).message).toContain('Session not found');

  // ...and a fresh initialize through the proxy gets a new session that works.
  const again = await connect();
  expect(again.transport.sessionId).toEqual(expect.any(String));
  expect(again.transport.sessionId).not.toBe(sid);
  expect(upstream.sessions.has(again.transport.sessionId as string)).toBe(true);
  const { tools } = await again.client.listTools();
  expect(tools.map((t) => t.name)).toContain('echo');
});

test("a notification POST gets the upstream's 202 with an empty body", async () => {
  const { transport } = await connect();
  const sid = transport.sessionId as string;
  const res = await request(`${proxy.url}/gw/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' },
    body: '{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}',
  });
  const answered = upstream.received.find((r) => r.body.toString('utf8').includes('roots/list_changed'))!;
  expect(answered.headers['mcp-session-id']).toBe(sid);
  expect(answered.verdict).toBe('accepted');
  expect(answered.res.statusCode).toBe(202);
  expect(bodyOf(answered)).toBe('');
  expect(res.status).toBe(202);
  expect(res.body).toBe('');
});
