// Stopping drains: a tool call answered over SSE that is still running when
// the stop comes finishes and reaches the agent (up to shutdownTimeout), and
// only then are the standing GET streams ended; a call still running at
// shutdownTimeout is cut, so a stop never waits forever. Raw HTTP on the
// agent side, so each stream's end is seen on the wire.
import { KEY_ID, SECRET, hmacServer, startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { INITIALIZE, MCP_POST_HEADERS, openStream, request } from '../helpers/net.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';

let upstream: SdkUpstream;
let proxy: TestProxy;
let release: () => void;

async function setUp(shutdownTimeout: string): Promise<void> {
  const released = new Promise<void>((resolve) => (release = resolve));
  upstream = await startSdkUpstream({ keyId: KEY_ID, secret: SECRET, release: released });
  proxy = await startTestProxy({ shutdownTimeout, servers: { gw: hmacServer(upstream.url) } }, { TEST_SECRET: SECRET });
}
afterEach(async () => {
  release?.();
  await proxy.close();
  await upstream.close();
});

/** A new MCP session through the proxy; its id. */
async function session(): Promise<string> {
  const init = await request(`${proxy.url}/gw/mcp`, { method: 'POST', headers: MCP_POST_HEADERS, body: INITIALIZE });
  const id = init.headers['mcp-session-id'] as string;
  const headers = { ...MCP_POST_HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' };
  await request(`${proxy.url}/gw/mcp`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  return id;
}

/** Starts the slow tool in `id`'s session; resolves once its SSE answer carried the first notification. */
async function slowCall(id: string) {
  const call = await openStream(`${proxy.url}/gw/mcp`, {
    method: 'POST',
    headers: { ...MCP_POST_HEADERS, 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'notify-then-wait', arguments: {} } }),
  });
  expect(call.res.headers['content-type']).toContain('text/event-stream');
  await call.next(/first notification/);
  return call;
}

test('a tool call answered over SSE finishes across a stop; the GET stream ends only after it', async () => {
  await setUp('10s');
  const events: string[] = [];
  const standing = await openStream(`${proxy.url}/gw/mcp`, { headers: { accept: 'text/event-stream', 'mcp-session-id': await session(), 'mcp-protocol-version': '2025-06-18' } });
  expect(standing.res.statusCode).toBe(200);
  const standingClosed = new Promise<void>((resolve) => standing.res.once('close', () => resolve(void events.push('get-stream-closed'))));
  const call = await slowCall(await session());
  // Seen as the bytes arrive, so the order of events is the order on the wire.
  let answer = '';
  call.res.on('data', (chunk: string) => {
    answer += chunk;
    if (answer.includes('"text":"released"') && !events.includes('tool-result')) events.push('tool-result');
  });
  const answerClosed = new Promise<void>((resolve) => call.res.once('close', () => resolve(void events.push('answer-closed'))));
  const stopped = proxy.close().then(() => events.push('stopped'));
  // The stop is waiting for the call: the drain sweeps every 25 ms; four sweeps later nothing has ended.
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(events).toEqual([]);
  release();
  await Promise.all([answerClosed, standingClosed, stopped]);
  expect(call.res.complete).toBe(true);
  // The order on the wire, as the agent saw it. 'stopped' is left out: the proxy runs in this process, and its close
  // may resolve (the answer written) before this side has read the bytes, on a busy machine.
  const onTheWire = events.filter((event) => event !== 'stopped');
  expect(onTheWire).toEqual(['tool-result', 'answer-closed', 'get-stream-closed']);
  expect(events.sort()).toEqual(['answer-closed', 'get-stream-closed', 'stopped', 'tool-result']);
});

test('a call still running at shutdownTimeout is cut, and the stop completes', async () => {
  await setUp('300ms');
  const call = await slowCall(await session());
  const closed = new Promise<boolean>((resolve) => call.res.once('close', () => resolve(call.res.complete)));
  await proxy.close();
  // The answer ended without its last event: cut, not completed.
  expect(await closed).toBe(false);
});
