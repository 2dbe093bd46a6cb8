// One proxy, four upstreams behind four schemes (hmac, act-as, bearer, headers)
// served at once: each upstream gets its own credential and nothing of the others'.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { checkSignature } from '../helpers/gateway.js';
import { initialize, listen, request } from '../helpers/net.js';
import { KEY_ID, SECRET, hmacServer, startTestProxy, type TestProxy } from '../helpers/proxy.js';

const GLEAN_TOKEN = 'glean-global-token-4b8e1f';
const GLEAN_USER = 'me@acme.com';
const SEARCH_TOKEN = 'search-bearer-token-77a0c3';
const SEARCH_EXTRA = 'search-extra-secret-5d2e90';
const TICKETS_API_KEY = 'tickets-api-key-a1b2c3';
const TICKETS_TENANT_KEY = 'tickets-tenant-key-d4e5f6';
const ENV = { TEST_SECRET: SECRET, GLEAN_TOKEN, SEARCH_TOKEN, SEARCH_EXTRA, TICKETS_API_KEY, TICKETS_TENANT_KEY };

/** What an agent might send, trying every credential header there is. */
const AGENT = {
  authorization: 'Bearer agent-token',
  cookie: 'session=agent',
  'x-glean-actas': 'ceo@acme.com',
  'x-scio-actas': 'ceo@acme.com',
  'x-api-key': 'agent-api-key',
  'x-signature': 'agent-signature',
};

/** Every credential or static header name any upstream here may legitimately get. */
const WATCHED = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-glean-actas',
  'x-scio-actas',
  'x-api-key',
  'x-api-key-id',
  'x-signature',
  'x-timestamp',
  'x-tenant-key',
  'x-gateway-tenant',
  'x-search-region',
  'x-search-extra',
];
const watched = (headers: IncomingMessage['headers']) => Object.fromEntries(WATCHED.filter((n) => headers[n] !== undefined).map((n) => [n, headers[n]]));

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** How many times each header name (lower-cased) appeared on the wire: catches a duplicate agent copy. */
  counts: Record<string, number>;
}

function seen(req: IncomingMessage): Seen {
  const counts: Record<string, number> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] as string).toLowerCase();
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return { method: req.method ?? '', url: req.url ?? '', headers: req.headers, counts };
}

/** A plain recording upstream: answers every request with an empty JSON-RPC result. */
async function recorder() {
  const received: Seen[] = [];
  const http = await listen((req, res) => {
    received.push(seen(req));
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":1,"result":{}}'));
  });
  return { ...http, received };
}

/**
 * The glean upstream: a real SDK McpServer (stateless Streamable HTTP) that
 * accepts only the act-as token with the configured user, and whose `whoami`
 * tool reports the acting user it was handed.
 */
async function gleanUpstream() {
  const received: Seen[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    received.push(seen(req));
    if (req.headers.authorization !== `Bearer ${GLEAN_TOKEN}` || req.headers['x-glean-actas'] !== GLEAN_USER) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"not the glean token"}');
      return;
    }
    if (req.method === 'GET') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
    const server = new McpServer({ name: 'glean', version: '1.0.0' });
    server.registerTool('whoami', {}, async (extra) => ({
      content: [{ type: 'text', text: `acting as ${String(extra.requestInfo?.headers['x-glean-actas'])}` }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => void transport.close().then(() => server.close()));
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };
  const http = await listen((req, res) => void handle(req, res).catch(() => res.destroy()));
  return { ...http, received };
}

let gateway: Awaited<ReturnType<typeof recorder>>;
let glean: Awaited<ReturnType<typeof gleanUpstream>>;
let search: Awaited<ReturnType<typeof recorder>>;
let tickets: Awaited<ReturnType<typeof recorder>>;
let proxy: TestProxy;

beforeEach(async () => {
  [gateway, glean, search, tickets] = await Promise.all([recorder(), gleanUpstream(), recorder(), recorder()]);
  proxy = await startTestProxy(
    {
      defaultServer: 'tickets',
      servers: {
        gateway: hmacServer(`${gateway.url}/gw/mcp`, { headers: { 'X-Gateway-Tenant': 'acme-gw' } }),
        glean: { url: `${glean.url}/mcp/default`, auth: { type: 'act-as', token: 'env:GLEAN_TOKEN', user: GLEAN_USER } },
        search: {
          url: `${search.url}/search/mcp`,
          headers: { 'X-Search-Region': 'eu-west', 'X-Search-Extra': 'env:SEARCH_EXTRA' },
          auth: { type: 'bearer', token: 'env:SEARCH_TOKEN' },
        },
        tickets: {
          url: `${tickets.url}/tickets/mcp`,
          auth: { type: 'headers', headers: { 'X-Api-Key': 'env:TICKETS_API_KEY', 'X-Tenant-Key': 'env:TICKETS_TENANT_KEY' } },
        },
      },
    },
    ENV,
  );
});
afterEach(async () => {
  await proxy.close();
  await Promise.all([gateway.close(), glean.close(), search.close(), tickets.close()]);
});

/** What each upstream must see of WATCHED, exactly: its own credential and static headers, nothing else. */
const EXPECTED = {
  gateway: { 'x-api-key-id': KEY_ID, 'x-timestamp': expect.any(String), 'x-signature': expect.any(String), 'x-gateway-tenant': 'acme-gw' },
  glean: { authorization: `Bearer ${GLEAN_TOKEN}`, 'x-glean-actas': GLEAN_USER },
  search: { authorization: `Bearer ${SEARCH_TOKEN}`, 'x-search-region': 'eu-west', 'x-search-extra': SEARCH_EXTRA },
  tickets: { 'x-api-key': TICKETS_API_KEY, 'x-tenant-key': TICKETS_TENANT_KEY },
};

function expectOwnCredentialsOnly(name: keyof typeof EXPECTED, received: Seen[], count: number): void {
  expect(received).toHaveLength(count);
  for (const r of received) {
    expect(watched(r.headers)).toEqual(EXPECTED[name]);
    // One copy of each credential header: the proxy's, never the agent's alongside it.
    for (const header of Object.keys(EXPECTED[name])) expect(r.counts[header]).toBe(1);
  }
}

test('concurrent requests with agent credentials: each upstream gets exactly its own credential', async () => {
  const ROUNDS = 3;
  const names = ['gateway', 'glean', 'search', 'tickets'] as const;
  const responses = await Promise.all(
    Array.from({ length: ROUNDS }, () => names.map((name) => initialize(`${proxy.url}/${name}/mcp`, AGENT).then((res) => ({ name, res })))).flat(),
  );
  for (const { name, res } of responses) expect([name, res.status]).toEqual([name, 200]);

  expectOwnCredentialsOnly('gateway', gateway.received, ROUNDS);
  expectOwnCredentialsOnly('glean', glean.received, ROUNDS);
  expectOwnCredentialsOnly('search', search.received, ROUNDS);
  expectOwnCredentialsOnly('tickets', tickets.received, ROUNDS);

  // The gateway's signature is the proxy's and verifies; the agent's never arrives.
  for (const r of gateway.received) {
    expect(r.headers['x-signature']).not.toBe(AGENT['x-signature']);
    expect(checkSignature({ method: r.method, url: r.url, headers: r.headers } as IncomingMessage, KEY_ID, SECRET)).toBe('accepted');
  }
  // Each upstream saw its own base path, never another server's.
  expect(gateway.received.map((r) => r.url)).toEqual(Array(ROUNDS).fill('/gw/mcp'));
  expect(glean.received.map((r) => r.url)).toEqual(Array(ROUNDS).fill('/mcp/default'));
  expect(search.received.map((r) => r.url)).toEqual(Array(ROUNDS).fill('/search/mcp'));
  expect(tickets.received.map((r) => r.url)).toEqual(Array(ROUNDS).fill('/tickets/mcp'));
});

test('the agent’s act-as headers never arrive anywhere, whatever server it targets', async () => {
  await Promise.all(['gateway', 'glean', 'search', 'tickets'].map((name) => initialize(`${proxy.url}/${name}/mcp`, AGENT)));
  const all = [...gateway.received, ...glean.received, ...search.received, ...tickets.received];
  expect(all).toHaveLength(4);
  for (const r of all) {
    expect(r.headers['x-scio-actas']).toBeUndefined();
    expect(r.headers['x-glean-actas']).not.toBe('ceo@acme.com');
    expect(r.headers.cookie).toBeUndefined();
    expect(r.headers.authorization).not.toBe(AGENT.authorization);
  }
  // Only the act-as server carries an act-as header at all.
  expect(all.filter((r) => r.headers['x-glean-actas'] !== undefined)).toEqual(glean.received);
});

test('an agent’s copy of a static header is replaced by the configured value, not sent alongside it', async () => {
  const res = await initialize(`${proxy.url}/search/mcp`, { ...AGENT, 'X-Search-Region': 'agent-region', 'X-Search-Extra': 'agent-extra' });
  expect(res.status).toBe(200);
  expectOwnCredentialsOnly('search', search.received, 1);
});

test('/mcp goes to defaultServer (tickets) with its credential only', async () => {
  const res = await initialize(`${proxy.url}/mcp`, AGENT);
  expect(res.status).toBe(200);
  expectOwnCredentialsOnly('tickets', tickets.received, 1);
  expect(tickets.received[0]?.url).toBe('/tickets/mcp');
  expect(gateway.received.length + glean.received.length + search.received.length).toBe(0);
});

test('an unknown server is a 404 JSON-RPC error listing the configured names; nothing is forwarded', async () => {
  const res = await request(`${proxy.url}/jira/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...AGENT },
    body: '{"jsonrpc":"2.0","id":7,"method":"tools/list"}',
  });
  expect(res.status).toBe(404);
  expect(res.headers['content-type']).toBe('application/json');
  const body = JSON.parse(res.body);
  expect(body).toMatchObject({ jsonrpc: '2.0', error: { code: -32601, data: { code: 'UNKNOWN_SERVER' } } });
  expect(body.error.message).toBe('No server named "jira"; configured: gateway, glean, search, tickets');
  expect(gateway.received.length + glean.received.length + search.received.length + tickets.received.length).toBe(0);
});

test('SDK Client → proxy → SDK McpServer behind act-as: the tool call runs as the configured user', async () => {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  // The agent even tries to act as someone else: it must not matter.
  await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/glean/mcp`), { requestInit: { headers: { 'X-Glean-ActAs': 'ceo@acme.com' } } }));
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toEqual(['whoami']);
  const result = await client.callTool({ name: 'whoami', arguments: {} });
  expect(result.content).toEqual([{ type: 'text', text: `acting as ${GLEAN_USER}` }]);
  await client.close();

  const posts = glean.received.filter((r) => r.method === 'POST');
  expect(posts.length).toBeGreaterThanOrEqual(3); // initialize, notifications/initialized, tools/list, tools/call
  for (const r of glean.received) {
    expect(watched(r.headers)).toEqual(EXPECTED.glean);
    expect(r.counts['x-glean-actas']).toBe(1);
  }
  // The other upstreams saw nothing of this session.
  expect(gateway.received.length + search.received.length + tickets.received.length).toBe(0);
});
