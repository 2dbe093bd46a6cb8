// Sessions and processes of a per-session command server: DELETE ends the
// session's process and everything it started (a wrapper like npx and the
// server under it), a thousand sessions opened and closed leave no process
// behind, idleTimeout ends a session with nothing in flight and no open
// stream (and its process), and maxProcesses refuses a session past the cap
// with a JSON-RPC error that names the fix.
import { fileURLToPath } from 'node:url';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { eventually } from '../helpers/net.js';
import { processesWith, running } from '../helpers/processes.js';
import { SDK_SERVER, connectClient, textOf } from '../helpers/stdio-servers.js';

const TINY = fileURLToPath(new URL('../fixtures/stdio-servers/tiny-server.sh', import.meta.url));
const WRAPPER = fileURLToPath(new URL('../fixtures/stdio-servers/wrapper.sh', import.meta.url));
const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'cycle', version: '1' } } });
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

let proxy: TestProxy;
afterEach(async () => {
  await proxy.close();
});

async function openSession(url: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: HEADERS, body: INIT });
}

test('1,000 sessions opened and closed leave no process behind', async () => {
  proxy = await startTestProxy({ servers: { tiny: { command: '/bin/sh', args: [TINY] } } });
  const url = `${proxy.url}/tiny/mcp`;
  const cycle = async () => {
    const opened = await openSession(url);
    expect(opened.status).toBe(200);
    expect(((await opened.json()) as { result: { serverInfo: { name: string } } }).result.serverInfo.name).toBe('tiny');
    const session = opened.headers.get('mcp-session-id') as string;
    const closed = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': session } });
    expect(closed.status).toBe(200);
  };
  let done = 0;
  const worker = async () => {
    while (done < 1000) {
      done += 1;
      await cycle();
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  expect(done).toBeGreaterThanOrEqual(1000);
  expect(processesWith(TINY)).toEqual([]);
  const status = (await (await fetch(`${proxy.url}/statusz`)).json()) as { servers: { tiny: { sessions: number; children: unknown[]; starts: number } } };
  expect(status.servers.tiny.sessions).toBe(0);
  expect(status.servers.tiny.children).toEqual([]);
  expect(status.servers.tiny.starts).toBeGreaterThanOrEqual(1000);
}, 120_000);

test('DELETE ends the whole process tree (the server a wrapper started too)', async () => {
  proxy = await startTestProxy({ servers: { wrapped: { command: '/bin/sh', args: [WRAPPER], env: { NODE_BIN: process.execPath, SERVER_SCRIPT: SDK_SERVER } } } });
  const client = await connectClient(`${proxy.url}/wrapped/mcp`);
  const server = (JSON.parse(textOf(await client.callTool({ name: 'env', arguments: {} }))) as { pid: number }).pid;
  const shells = processesWith(WRAPPER);
  expect(shells).toHaveLength(1);
  expect(running(server)).toBe(true);
  await (client.transport as unknown as { terminateSession: () => Promise<void> }).terminateSession();
  expect(running(server)).toBe(false);
  expect(processesWith(WRAPPER)).toEqual([]);
  await client.close();
});

test('maxProcesses: a session past the cap is refused, naming the setting', async () => {
  proxy = await startTestProxy({ servers: { tiny: { command: '/bin/sh', args: [TINY], maxProcesses: 2 } } });
  const url = `${proxy.url}/tiny/mcp`;
  expect((await openSession(url)).status).toBe(200);
  expect((await openSession(url)).status).toBe(200);
  const refused = await openSession(url);
  expect(refused.status).toBe(503);
  const body = (await refused.json()) as { id: number; error: { message: string; data: { code: string } } };
  expect(body.id).toBe(1);
  expect(body.error.data.code).toBe('TOO_MANY_PROCESSES');
  expect(body.error.message).toContain('servers.tiny.maxProcesses');
});

test('idleTimeout ends an idle session and its process; a session holding its GET stream stays', async () => {
  proxy = await startTestProxy({ servers: { tools: { command: process.execPath, args: [SDK_SERVER], idleTimeout: '1s' } } });
  const url = `${proxy.url}/tools/mcp`;
  // The SDK client keeps its GET stream open while it is connected: not idle.
  const held = await connectClient(url);
  const heldPid = (JSON.parse(textOf(await held.callTool({ name: 'env', arguments: {} }))) as { pid: number }).pid;
  const opened = await openSession(url);
  const session = opened.headers.get('mcp-session-id') as string;
  await fetch(url, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': session }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  const status = async () => ((await (await fetch(`${proxy.url}/statusz`)).json()) as { servers: { tools: { sessions: number; children: Array<{ pid: number }> } } }).servers.tools;
  let now = await status();
  expect(now.sessions).toBe(2);
  const idlePid = now.children.map((c) => c.pid).find((pid) => pid !== heldPid) as number;
  // The session ends first, then its process (stdin closed, SIGTERM, the group gone).
  await eventually(() => now.sessions === 1 && now.children.length === 1, 1000, async () => void (now = await status()));
  expect(now.children.map((c) => c.pid)).toEqual([heldPid]);
  expect(running(idlePid)).toBe(false);
  const gone = await fetch(url, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': session }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
  expect(gone.status).toBe(404);
  expect(textOf(await held.callTool({ name: 'echo', arguments: { text: 'still here' } }))).toBe('echo: still here');
  await held.close();
});
