// The opt-in audit log through the running proxy: one JSON line per
// tools/call in <state dir>/audit.jsonl with time, acting identity, server,
// tool, outcome and duration; no arguments unless asked for, and never a
// secret (the gateway secret, or a registered secret an agent echoes).
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { eventually, listen, request } from '../helpers/net.js';
import { KEY_ID, SECRET, hmacServer, startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';

let dir: string;
let proxy: TestProxy | undefined;
let upstream: SdkUpstream | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'audit-it-'));
});
afterEach(async () => {
  await proxy?.close();
  await upstream?.close();
  proxy = undefined;
  upstream = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const auditFile = () => join(dir, 'audit.jsonl');
const auditLines = () => (existsSync(auditFile()) ? readFileSync(auditFile(), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : []);

async function callThrough(audit: unknown, args: Record<string, unknown>) {
  upstream = await startSdkUpstream({ keyId: KEY_ID, secret: SECRET });
  proxy = await startTestProxy({ audit, servers: { gateway: hmacServer(upstream.url) } }, { TEST_SECRET: SECRET }, { stateDir: dir });
  const client = new Client({ name: 'agent', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/gateway/mcp`)));
  await client.listTools();
  const result = await client.callTool({ name: 'echo', arguments: args });
  await client.close();
  return result;
}

test('one line per tools/call, with identity, tool, outcome and duration; no arguments and no secret by default', async () => {
  const text = 'my private note 7c2e';
  await callThrough(true, { text });
  const p = proxy as TestProxy;
  await eventually(() => auditLines().length === 1);
  const [line] = auditLines();
  expect(line).toMatchObject({ server: 'gateway', tool: 'echo', identity: KEY_ID, caller: 'local-user', outcome: 'ok', status: 200 });
  expect(Date.parse(line?.time as string)).toBeGreaterThan(Date.now() - 60_000);
  expect(line?.durationMs).toEqual(expect.any(Number));
  expect(line).not.toHaveProperty('arguments');
  // The same request id as the access line of that call.
  const access = p.logs.lines().find((l) => l.message === 'request' && l.rpcMethod === 'tools/call');
  expect(line?.requestId).toBe(access?.requestId);
  const raw = readFileSync(auditFile(), 'utf8');
  expect(raw).not.toContain(text);
  expect(raw).not.toContain(SECRET);
  // initialize, tools/list and notifications are not tool calls: no lines for them.
  expect(raw).not.toContain('tools/list');
});

test('with "arguments": true the arguments are kept, and a registered secret inside them is redacted', async () => {
  await callThrough({ enabled: true, arguments: true }, { text: `token is ${SECRET} ok` });
  await eventually(() => auditLines().length === 1);
  const [line] = auditLines();
  expect(line?.arguments).toEqual({ text: 'token is [REDACTED] ok' });
  expect(readFileSync(auditFile(), 'utf8')).not.toContain(SECRET);
});

test('audit off (the default): no file at all', async () => {
  await callThrough(undefined, { text: 'hi' });
  expect(existsSync(auditFile())).toBe(false);
});

describe('outcomes and identities', () => {
  let plain: Awaited<ReturnType<typeof listen>>;
  beforeEach(async () => {
    plain = await listen((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { id, params } = JSON.parse(body) as { id: number; params: { name: string } };
        if (params.name === 'fails') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: { isError: true, content: [] } }));
        if (params.name === 'unknown') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32602, message: 'Tool unknown not found' } }));
        // An SSE answer: a progress notification first, then the result.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 1 } })}\n\n`);
        res.end(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result: { content: [] } })}\n\n`);
      });
    });
    proxy = await startTestProxy(
      {
        audit: true,
        servers: {
          glean: { url: `${plain.url}/mcp`, auth: { type: 'act-as', token: 'env:TEST_SECRET', user: 'me@acme.com' } },
          down: hmacServer('http://127.0.0.1:1/mcp'),
        },
      },
      { TEST_SECRET: SECRET },
      { stateDir: dir },
    );
  });
  afterEach(() => plain.close());

  const call = (server: string, name: string, id: number) =>
    request(`${(proxy as TestProxy).url}/${server}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } }),
    });

  test('ok over SSE, tool-error, rpc-error, unreachable; the act-as user is the identity', async () => {
    await call('glean', 'streams', 1);
    await call('glean', 'fails', 2);
    await call('glean', 'unknown', 3);
    await call('down', 'anything', 4);
    await eventually(() => auditLines().length === 4);
    const byTool = Object.fromEntries(auditLines().map((l) => [l.tool, l]));
    expect(byTool.streams).toMatchObject({ outcome: 'ok', identity: 'me@acme.com', server: 'glean' });
    expect(byTool.fails).toMatchObject({ outcome: 'tool-error', identity: 'me@acme.com' });
    expect(byTool.unknown).toMatchObject({ outcome: 'rpc-error', rpcError: { code: -32602, message: 'Tool unknown not found' } });
    expect(byTool.anything).toMatchObject({ outcome: 'unreachable', identity: KEY_ID, server: 'down' });
    expect(byTool.anything).not.toHaveProperty('status');
    expect(readFileSync(auditFile(), 'utf8')).not.toContain(SECRET);
  });
});
