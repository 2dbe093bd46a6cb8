// The access log: one line per request naming the server, the HTTP method,
// the JSON-RPC method and the tool (or resource, or prompt), the statuses,
// time to first byte, total time and bytes each way. Names come from the
// body, or from Mcp-Method/Mcp-Name when the agent sends them.
import http from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { eventually, listen, request } from '../helpers/net.js';
import { KEY_ID, SECRET, hmacServer, startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';

let proxy: TestProxy | undefined;
let upstream: SdkUpstream | undefined;
afterEach(async () => {
  await proxy?.close();
  await upstream?.close();
  proxy = undefined;
  upstream = undefined;
});

const accessLines = (p: TestProxy) => p.logs.lines().filter((l) => l.message === 'request');

test('a tools/call through the SDK client gets a line naming its tool, with timings and sizes', async () => {
  upstream = await startSdkUpstream({ keyId: KEY_ID, secret: SECRET });
  proxy = await startTestProxy({ servers: { gateway: hmacServer(upstream.url) } }, { TEST_SECRET: SECRET });
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/gateway/mcp`)));
  await client.callTool({ name: 'echo', arguments: { text: 'hello there' } });
  await client.close();

  const p = proxy;
  await eventually(() => accessLines(p).some((l) => l.rpcMethod === 'tools/call'));
  const line = accessLines(p).find((l) => l.rpcMethod === 'tools/call') as Record<string, number | string>;
  expect(line).toMatchObject({ level: 'info', server: 'gateway', method: 'POST', path: '/gateway/mcp', tool: 'echo', status: 200, upstreamStatus: 200 });
  expect(line.requestId).toEqual(expect.any(String));
  expect(line.bytesIn).toBe(Buffer.byteLength(JSON.stringify({ method: 'tools/call', params: { name: 'echo', arguments: { text: 'hello there' } }, jsonrpc: '2.0', id: 1 })));
  // The answer (an SSE event or JSON holding "echo: hello there") was relayed whole.
  expect(line.bytesOut).toBeGreaterThan('echo: hello there'.length);
  expect(line.ttfbMs).toBeGreaterThan(0);
  expect(line.durationMs).toBeGreaterThanOrEqual(line.ttfbMs as number);
  expect(line.failure).toBeUndefined();
  // Every other request of the session has its own line too.
  expect(accessLines(p).map((l) => l.rpcMethod)).toEqual(expect.arrayContaining(['initialize', 'notifications/initialized', 'tools/call']));
});

describe('names from the body or the 2026-07-28 headers', () => {
  let plain: Awaited<ReturnType<typeof listen>>;
  beforeEach(async () => {
    plain = await listen((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{}}'));
    });
    proxy = await startTestProxy({ servers: { up: hmacServer(`${plain.url}/mcp`) } }, { TEST_SECRET: SECRET });
  });
  afterEach(() => plain.close());

  const send = (body: unknown, headers: Record<string, string> = {}) =>
    request(`${(proxy as TestProxy).url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  test.each([
    [{ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'file:///notes.md' } }, { rpcMethod: 'resources/read', resource: 'file:///notes.md' }],
    [{ jsonrpc: '2.0', id: 2, method: 'prompts/get', params: { name: 'summarise' } }, { rpcMethod: 'prompts/get', prompt: 'summarise' }],
    [{ jsonrpc: '2.0', id: 3, method: 'tools/list' }, { rpcMethod: 'tools/list' }],
    [[{ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'a' } }, { jsonrpc: '2.0', method: 'notifications/progress' }], { rpcMethod: 'batch' }],
  ])('body %j', async (body, expected) => {
    const res = await send(body);
    expect(res.status).toBe(200);
    const p = proxy as TestProxy;
    await eventually(() => accessLines(p).length === 1);
    expect(accessLines(p)[0]).toMatchObject({ ...expected, bytesIn: Buffer.byteLength(JSON.stringify(body)), bytesOut: 36 });
  });

  test('Mcp-Method and Mcp-Name name the request when present', async () => {
    await send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'from-body' } }, { 'mcp-method': 'tools/call', 'mcp-name': 'from-header' });
    const p = proxy as TestProxy;
    await eventually(() => accessLines(p).length === 1);
    expect(accessLines(p)[0]).toMatchObject({ rpcMethod: 'tools/call', tool: 'from-header' });
  });

  test('an agent that hangs up mid-answer is logged as client-closed', async () => {
    await plain.close();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    plain = await listen((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message\ndata: {}\n\n');
      void held.then(() => res.end());
    });
    await (proxy as TestProxy).close();
    proxy = await startTestProxy({ servers: { up: hmacServer(`${plain.url}/mcp`) } }, { TEST_SECRET: SECRET });
    const url = `${proxy.url}/mcp`;
    // node:http, not fetch: after an abort undici opens a spare connection that holds up the proxy's close.
    await new Promise<void>((resolve) => {
      const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.end('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"slow"}}');
    });
    const p = proxy;
    await eventually(() => accessLines(p).length === 1);
    expect(accessLines(p)[0]).toMatchObject({ tool: 'slow', status: 200, failure: 'client-closed' });
    release();
  });
});

test('answers the proxy writes itself count their bytes: an unknown server\'s 404, an unreachable upstream\'s 502, /statusz', async () => {
  const closed = await listen((_req, res) => res.end());
  const deadUrl = `${closed.url}/mcp`;
  await closed.close();
  proxy = await startTestProxy({ servers: { gone: hmacServer(deadUrl) } }, { TEST_SECRET: SECRET });
  const post = (path: string) => request(`${(proxy as TestProxy).url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":7,"method":"tools/list"}' });
  const unknown = await post('/nope/mcp');
  const unreachable = await post('/gone/mcp');
  const statusz = await request(`${proxy.url}/statusz`);
  expect([unknown.status, unreachable.status, statusz.status]).toEqual([404, 502, 200]);
  const p = proxy;
  await eventually(() => accessLines(p).length === 3);
  const byPath = Object.fromEntries(accessLines(p).map((l) => [l.path, l.bytesOut]));
  expect(byPath).toEqual({ '/nope/mcp': Buffer.byteLength(unknown.body), '/gone/mcp': Buffer.byteLength(unreachable.body), '/statusz': Buffer.byteLength(statusz.body) });
  expect(Buffer.byteLength(unknown.body)).toBeGreaterThan(0);
});
