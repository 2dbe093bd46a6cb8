// The policy refuses calls here: a denied tools/call (and resources/read,
// prompts/get) gets a JSON-RPC error from the proxy and never reaches the
// upstream, with an audit line naming the rule; in a batch each call is
// judged on its own (the allowed ones go on, the answers are joined);
// 2026-07-28 Mcp-Method / Mcp-Name headers that disagree with the body are
// refused with 400; in team mode the caller's groups pick the rules.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { KeyStore } from '../../src/identity/key-store.js';
import { eventually, request } from '../helpers/net.js';
import { startPolicyUpstream, type PolicyUpstream } from '../helpers/policy-upstream.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';

let upstream: PolicyUpstream;
let proxy: TestProxy | undefined;
let client: Client | undefined;

afterEach(async () => {
  await client?.close();
  await proxy?.close();
  await upstream.close();
  client = undefined;
  proxy = undefined;
});

const POLICY = { default: 'allow', rules: [{ id: 'no-deletes', deny: ['*.delete_*', 'github.file:///secret/*'] }] };
const POST = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const call = (id: number, name: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });

async function start(answers: 'json' | 'sse', extra: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}, stateDir?: string): Promise<string> {
  upstream = await startPolicyUpstream(answers);
  proxy = await startTestProxy({ servers: { github: { url: upstream.url, auth: { type: 'none' } } }, policy: POLICY, ...extra }, env, stateDir ? { stateDir } : {});
  return `${proxy.url}/github/mcp`;
}

test('a denied tools/call, resources/read and prompts/get are answered by the proxy and never reach the upstream; the audit names the rule', async () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'policy-audit-'));
  const url = await start('json', { audit: true }, {}, stateDir);
  client = new Client({ name: 'policy-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));

  await expect(client.callTool({ name: 'delete_repo', arguments: {} })).rejects.toThrow(/policy does not let local-user use the tool "github\.delete_repo": rule "no-deletes"/);
  await expect(client.readResource({ uri: 'file:///secret/keys.txt' })).rejects.toThrow(/rule "no-deletes"/);
  expect((await client.callTool({ name: 'search_code', arguments: {} })).content).toEqual([{ type: 'text', text: 'ran search_code' }]);
  expect((await client.readResource({ uri: 'file:///public/readme.md' })).contents).toHaveLength(1);

  const calls = upstream.received.filter((m) => m.method === 'tools/call' || m.method === 'resources/read');
  expect(calls).toEqual([{ method: 'tools/call', name: 'search_code' }, { method: 'resources/read', uri: 'file:///public/readme.md' }]);

  await proxy?.proxy.audit?.log.flush();
  const lines = readFileSync(join(stateDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(lines.filter((l) => l.outcome === 'denied').map((l) => [l.tool ?? l.resource, l.rule, l.caller])).toEqual([
    ['delete_repo', 'no-deletes', 'local-user'],
    ['file:///secret/keys.txt', 'no-deletes', 'local-user'],
  ]);
  expect(lines.find((l) => l.tool === 'search_code')?.outcome).toBe('ok');
  // Counted by server and rule, for a dashboard of what the policy refuses.
  const metrics = await request(`${proxy?.url}/metrics`);
  expect(metrics.body).toContain('mcp_proxy_policy_denials_total{server="github",rule="no-deletes"} 2');
});

describe.each(['json', 'sse'] as const)('a batch, upstream answering as %s', (answers) => {
  test('one allowed and one denied call: the allowed one goes upstream, the answer holds one result and one error', async () => {
    const url = await start(answers);
    const res = await request(url, { method: 'POST', headers: POST, body: JSON.stringify([call(1, 'search_code'), call(2, 'delete_repo')]) });
    expect(res.status).toBe(200);
    const messages: Array<{ id: number; result?: unknown; error?: { code: number; data: { rule: string } } }> =
      answers === 'json' ? JSON.parse(res.body) : res.body.split(/\n\n/).flatMap((event) => event.split('\n').filter((l) => l.startsWith('data: ')).flatMap((l) => [JSON.parse(l.slice(6))].flat()));
    const byId = new Map(messages.map((m) => [m.id, m]));
    expect(byId.size).toBe(2);
    expect(byId.get(1)?.result).toEqual({ content: [{ type: 'text', text: 'ran search_code' }] });
    expect(byId.get(2)?.error).toMatchObject({ code: -32009, data: { code: 'POLICY_DENIED', rule: 'no-deletes' } });
    expect(upstream.received.map((m) => m.name)).toEqual(['search_code']);
  });
});

test('resources/subscribe to a resource the caller may not read is refused too (its updates would name it)', async () => {
  const url = await start('json');
  const subscribe = (id: number, uri: string) => request(url, { method: 'POST', headers: POST, body: JSON.stringify({ jsonrpc: '2.0', id, method: 'resources/subscribe', params: { uri } }) });
  expect(JSON.parse((await subscribe(11, 'file:///secret/keys.txt')).body)).toMatchObject({ id: 11, error: { code: -32009, data: { rule: 'no-deletes', resource: 'file:///secret/keys.txt' } } });
  await subscribe(12, 'file:///public/readme.md');
  expect(upstream.received).toEqual([{ method: 'resources/subscribe', uri: 'file:///public/readme.md' }]);
});

test('completion/complete for a prompt the caller may not use is refused (suggestions tell what it holds)', async () => {
  const url = await start('json');
  const complete = (id: number, name: string) =>
    request(url, { method: 'POST', headers: POST, body: JSON.stringify({ jsonrpc: '2.0', id, method: 'completion/complete', params: { ref: { type: 'ref/prompt', name }, argument: { name: 'a', value: 'x' } } }) });
  expect(JSON.parse((await complete(13, 'delete_everything')).body)).toMatchObject({ id: 13, error: { code: -32009, data: { prompt: 'delete_everything', rule: 'no-deletes' } } });
  await complete(14, 'summarize');
  expect(upstream.received).toEqual([{ method: 'completion/complete' }]);
});

test('a batch whose calls are all denied is answered by the proxy alone', async () => {
  const url = await start('json');
  const res = await request(url, { method: 'POST', headers: POST, body: JSON.stringify([call(7, 'delete_repo'), call(8, 'delete_branch')]) });
  expect(res.status).toBe(200);
  expect((JSON.parse(res.body) as Array<{ id: number; error: { code: number } }>).map((m) => [m.id, m.error.code])).toEqual([[7, -32009], [8, -32009]]);
  expect(upstream.received).toEqual([]);
});

test('a batch of a denied call and a notification: the notification goes on (202 upstream), the agent still gets the error', async () => {
  const url = await start('json');
  const res = await request(url, { method: 'POST', headers: POST, body: JSON.stringify([{ jsonrpc: '2.0', method: 'notifications/initialized' }, call(6, 'delete_branch')]) });
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/json');
  expect((JSON.parse(res.body) as Array<{ id: number; error: { code: number } }>).map((m) => [m.id, m.error.code])).toEqual([[6, -32009]]);
  expect(upstream.received).toEqual([{ method: 'notifications/initialized' }]);
});

describe('2026-07-28 routing headers', () => {
  const modern = (name: string, body: unknown, method = 'tools/call') => ({ ...POST, 'mcp-protocol-version': '2026-07-28', 'mcp-method': method, 'mcp-name': name, body: JSON.stringify(body) });

  test('an Mcp-Name that disagrees with the body is refused with 400 and HeaderMismatch, never forwarded', async () => {
    const url = await start('json');
    const { body, ...headers } = modern('search_code', call(3, 'delete_repo'));
    const res = await request(url, { method: 'POST', headers, body });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ id: 3, error: { code: -32020, data: { code: 'HEADER_MISMATCH' } } });
    expect(res.body).toContain("Mcp-Name header value 'search_code' does not match body value 'delete_repo'");
    expect(upstream.received).toEqual([]);
  });

  test('an Mcp-Method that disagrees is refused; agreeing headers (Mcp-Name Base64-encoded too) pass', async () => {
    const url = await start('json');
    const { body, ...headers } = modern('search_code', call(4, 'search_code'), 'tools/list');
    expect((await request(url, { method: 'POST', headers, body })).status).toBe(400);
    const agreeing = modern(`=?base64?${Buffer.from('search_code').toString('base64')}?=`, call(5, 'search_code'));
    const { body: okBody, ...okHeaders } = agreeing;
    const res = await request(url, { method: 'POST', headers: okHeaders, body: okBody });
    // Forwarded: the SDK upstream (which knows no 2026-07-28) answers it itself, not with HeaderMismatch.
    expect(res.body).not.toContain('-32020');
    expect(upstream.received).toEqual([{ method: 'tools/call', name: 'search_code' }]);
  });
});

test('team mode: the rules for the caller\'s groups decide, and another caller gets the default', async () => {
  const store = join(mkdtempSync(join(tmpdir(), 'policy-keys-')), 'api-keys.json');
  const keys = new KeyStore(store);
  const admin = keys.create('ann@acme.example', ['admins']).key;
  const dev = keys.create('dev@acme.example', ['eng']).key;
  const url = await start('json', {
    mode: 'team',
    identity: [{ type: 'apiKey', store }],
    policy: { default: 'deny', rules: [{ id: 'admins-all', when: { groups: ['admins'] }, allow: ['*'] }, { id: 'eng-read', when: { groups: ['eng'], methods: ['apiKey'] }, allow: ['github.search_*'] }] },
  });
  const as = (key: string, name: string) => request(url, { method: 'POST', headers: { ...POST, authorization: `Bearer ${key}` }, body: JSON.stringify(call(9, name)) });
  expect(JSON.parse((await as(admin, 'delete_repo')).body)).toMatchObject({ result: { content: [{ text: 'ran delete_repo' }] } });
  const refused = JSON.parse((await as(dev, 'delete_repo')).body) as { error: { message: string; data: { rule: unknown } } };
  expect(refused.error.data.rule).toBeNull();
  expect(refused.error.message).toContain('dev@acme.example');
  expect(JSON.parse((await as(dev, 'search_code')).body)).toMatchObject({ result: {} });
  await eventually(() => upstream.received.length === 2);
  expect(upstream.received.map((m) => m.name)).toEqual(['delete_repo', 'search_code']);
});
