// Team mode's "sharing": "per-caller": one process per verified caller, so
// different users' credentials never share a process. A caller's sessions
// share their process; another caller gets a process of its own (its
// "$caller" variable set to that caller), and cannot use the first caller's
// session.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { KeyStore } from '../../src/identity/key-store.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { sdkServer, textOf } from '../helpers/stdio-servers.js';

const ALICE = 'alice@acme.example';
const BOB = 'bob@acme.example';
let proxy: TestProxy;
let keys: { alice: string; bob: string };
const clients: Client[] = [];

beforeEach(async () => {
  const store = join(mkdtempSync(join(tmpdir(), 'map-per-caller-')), 'api-keys.json');
  const keyStore = new KeyStore(store);
  keys = { alice: keyStore.create(ALICE, []).key, bob: keyStore.create(BOB, []).key };
  proxy = await startTestProxy({ mode: 'team', identity: [{ type: 'apiKey', store }], servers: { tools: sdkServer({ sharing: 'per-caller', env: { ACTING_USER: '$caller', MODE: 'team' } }) } });
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await proxy.close();
});

async function open(key: string): Promise<Client> {
  const client = new Client({ name: 'caller', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/tools/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  clients.push(client);
  return client;
}

const pidOf = async (client: Client) => (JSON.parse(textOf(await client.callTool({ name: 'env', arguments: {} }))) as { pid: number }).pid;
const userOf = async (client: Client) => textOf(await client.callTool({ name: 'secret-echo', arguments: { name: 'ACTING_USER' } }));

test('one process per caller: a caller\'s sessions share it, another caller never does', async () => {
  const [alice1, alice2, bob] = [await open(keys.alice), await open(keys.alice), await open(keys.bob)];
  const [a1, a2, b] = [await pidOf(alice1), await pidOf(alice2), await pidOf(bob)];
  expect(a1).toBe(a2);
  expect(b).not.toBe(a1);
  expect([await userOf(alice1), await userOf(bob)]).toEqual([`value: ${ALICE}`, `value: ${BOB}`]);
  const status = (await (await fetch(`${proxy.url}/statusz`)).json()) as { servers: { tools: { children: Array<{ pid: number }>; sessions: number } } };
  expect(status.servers.tools.children.map((c) => c.pid).sort()).toEqual([a1, b].sort());
  expect(status.servers.tools.sessions).toBe(3);
});

test('a caller cannot use another caller\'s session', async () => {
  const alice = await open(keys.alice);
  await pidOf(alice);
  const sessionId = (alice.transport as StreamableHTTPClientTransport).sessionId as string;
  const res = await fetch(`${proxy.url}/tools/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${keys.bob}`, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'secret-echo', arguments: { name: 'ACTING_USER' } } }),
  });
  expect(res.status).toBe(403);
  expect(await res.text()).not.toContain(ALICE);
});
