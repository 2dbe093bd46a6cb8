// The policy holds for command servers as for HTTP upstreams: their tools/list
// answers lose what it denies, a denied call never reaches the process, and in
// a batch the refusal is joined to the process's answers. server-everything in
// stdio mode, the SDK client over HTTP, a raw batch over HTTP.
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { EVERYTHING, connectClient, textOf } from '../helpers/stdio-servers.js';
import { request } from '../helpers/net.js';

const POLICY = { default: 'allow', rules: [{ id: 'no-echo', deny: ['everything.echo'] }] };
let proxy: TestProxy;
beforeEach(async () => {
  proxy = await startTestProxy({ policy: POLICY, servers: { everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] } } });
});
afterEach(() => proxy.close());

test('a denied tool is not listed, and calling it is refused here; the others work', async () => {
  const client = await connectClient(`${proxy.url}/everything/mcp`);
  try {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).not.toContain('echo');
    expect(names).toContain('get-sum');
    await expect(client.callTool({ name: 'echo', arguments: { message: 'x' } })).rejects.toThrow(/no-echo|denied|not allowed/i);
    expect(textOf(await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } }))).toContain('5');
  } finally {
    await client.close();
  }
});

test('a batch with one allowed and one denied call: one result from the process, one refusal', async () => {
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = await request(`${proxy.url}/everything/mcp`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 't', version: '1' } } }) });
  const session = init.headers['mcp-session-id'] as string;
  const inSession = { ...headers, accept: 'application/json', 'mcp-session-id': session, 'mcp-protocol-version': '2025-03-26' };
  await request(`${proxy.url}/everything/mcp`, { method: 'POST', headers: inSession, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
  const batch = [
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get-sum', arguments: { a: 1, b: 1 } } },
    { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { message: 'x' } } },
  ];
  const res = await request(`${proxy.url}/everything/mcp`, { method: 'POST', headers: inSession, body: JSON.stringify(batch) });
  expect(res.status).toBe(200);
  const answers = JSON.parse(res.body) as Array<{ id: number; result?: unknown; error?: { data?: { rule?: string } } }>;
  expect(answers.map((a) => a.id).sort()).toEqual([1, 2]);
  expect(answers.find((a) => a.id === 1)?.result).toBeDefined();
  expect(answers.find((a) => a.id === 2)?.error).toBeDefined();
});
