// Many replicas, no sticky sessions: a real Redis (redis-server on loopback),
// three proxy processes (the built CLI, team mode, API keys) behind a
// round-robin balancer, and a real SDK upstream with sessions. 10,000
// requests from SDK clients spread over the replicas with no session error;
// a per-user limit holds across replicas; a key revoked through one replica's
// CLI is refused by another within a second; a session opened on one replica
// is refused to another caller on another; two replicas meeting a 401 from
// an OAuth upstream at once make one refresh; with Redis stopped there is no
// server error and each replica keeps limit / replicas.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startBalancer, type Balancer } from '../helpers/balancer.js';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { startDaemon, type Daemon } from '../helpers/daemon.js';
import { INITIALIZE, MCP_POST_HEADERS, request } from '../helpers/net.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { KEY_ID, SECRET } from '../helpers/proxy.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { startSdkUpstream, type SdkUpstream } from '../helpers/sdk-upstream.js';
import { startOAuthServer, type TestOAuthServer } from '../helpers/oauth-server.js';
import { signInWithCli } from '../helpers/oauth-login.js';

const REPLICAS = 3;
const LIMIT = 1200;
const CLIENTS = 10;
const CALLS_PER_CLIENT = 1000;

let redis: TestRedis;
let upstream: SdkUpstream;
let as: TestOAuthServer;
let balancer: Balancer;
let replicas: Daemon[] = [];
let envs: NodeJS.ProcessEnv[] = [];
let configFile: string;
const clients: Client[] = [];

beforeAll(async () => {
  redis = await startRedis();
  upstream = await startSdkUpstream({ keyId: KEY_ID, secret: SECRET });
  as = await startOAuthServer();
  balancer = await startBalancer();
  const dir = mkdtempSync(join(tmpdir(), 'map-replicas-'));
  configFile = join(dir, 'team.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      mode: 'team',
      publicUrl: balancer.url,
      identity: [{ type: 'apiKey' }],
      rateLimits: { perCaller: `${LIMIT}/min` },
      redis: { url: redis.url, replicas: REPLICAS },
      servers: { up: { url: upstream.url, auth: { type: 'hmac', keyId: KEY_ID, secret: 'env:TEST_SECRET' } }, linear: { url: as.mcpUrl, auth: { type: 'oauth' } } },
    }),
  );
  // Each replica its own home and state directory, as pods have.
  envs = Array.from({ length: REPLICAS }, (_, i) => {
    const home = join(dir, `replica-${i}`);
    mkdirSync(home, { mode: 0o700 });
    return cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', TEST_SECRET: SECRET, MCP_LOG_LEVEL: 'warn' });
  });
  replicas = await Promise.all(envs.map((env) => startDaemon(env, dir, ['--config', configFile])));
  balancer.targets = replicas.map((r) => r.url);
}, 60_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await Promise.all(replicas.map((r) => r.stop()));
  await balancer?.close();
  await upstream?.close();
  await as?.close();
  await redis?.close();
}, 60_000);

/** A key made with the CLI of one replica (written to Redis: every replica knows it). */
async function createKey(user: string, replica = 0): Promise<{ key: string; id: string }> {
  const made = await runCli(['keys', 'create', user, '--config', configFile, '--json'], { env: envs[replica] });
  expect(made.stderr).toBe('');
  expect(made.code).toBe(0);
  return JSON.parse(made.stdout) as { key: string; id: string };
}

async function sdkClient(key: string): Promise<Client> {
  const client = new Client({ name: 'teammate', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${balancer.url}/up/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  clients.push(client);
  return client;
}

/** A session opened through the balancer with raw requests; call() sends one tools/call and resolves with its status. */
async function rawSession(key: string, at = balancer.url) {
  const headers = { ...MCP_POST_HEADERS, authorization: `Bearer ${key}`, host: new URL(balancer.url).host };
  const init = await request(`${at}/up/mcp`, { method: 'POST', headers, body: INITIALIZE });
  expect(init.status).toBe(200);
  const session = { ...headers, 'mcp-session-id': init.headers['mcp-session-id'] as string, 'mcp-protocol-version': '2025-06-18' };
  await request(`${at}/up/mcp`, { method: 'POST', headers: session, body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' });
  let id = 10;
  return {
    headers: session,
    call: async (target = at) => (await request(`${target}/up/mcp`, { method: 'POST', headers: session, timeoutMs: 15_000, body: JSON.stringify({ jsonrpc: '2.0', id: id++, method: 'tools/call', params: { name: 'echo', arguments: { text: 'hi' } } }) })).status,
  };
}

/** `count` calls, `parallel` at a time; the statuses. */
async function burst(call: () => Promise<number>, count: number, parallel = 16): Promise<number[]> {
  const statuses: number[] = [];
  for (let sent = 0; sent < count; sent += parallel) statuses.push(...(await Promise.all(Array.from({ length: Math.min(parallel, count - sent) }, call))));
  return statuses;
}

const tallySnapshot = () => balancer.tally.map((counts) => new Map(counts));
const okSince = (before: Array<Map<number, number>>, replica: number) => (balancer.tally[replica]?.get(200) ?? 0) - (before[replica]?.get(200) ?? 0);

test('10,000 requests over three replicas with no session error; a per-user limit holds across them; a revoked key is refused by another replica within a second; without Redis, no server error and limit / replicas each', async () => {
  const keys = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => createKey(`user${i}@acme.example`)));
  const agents = await Promise.all(keys.map(({ key }) => sdkClient(key)));
  const before = tallySnapshot();
  // Every client's calls go round the replicas: its session's requests land on all three.
  const results = await Promise.all(
    agents.map(async (client, n) => {
      let errors = 0;
      for (let i = 0; i < CALLS_PER_CLIENT; i++) {
        const result = await client.callTool({ name: 'echo', arguments: { text: `${n}-${i}` } }, undefined, { timeout: 15_000 }).catch(() => undefined);
        if ((result?.content as Array<{ text: string }> | undefined)?.[0]?.text !== `echo: ${n}-${i}`) errors += 1;
      }
      return errors;
    }),
  );
  expect(results).toEqual(Array(CLIENTS).fill(0));
  const served = balancer.tally.map((counts, i) => [...counts].reduce((sum, [status, n]) => sum + n - (before[i]?.get(status) ?? 0), 0));
  expect(served.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(CLIENTS * CALLS_PER_CLIENT);
  for (const count of served) expect(count).toBeGreaterThan((CLIENTS * CALLS_PER_CLIENT) / REPLICAS - 100);
  for (const counts of balancer.tally) for (const status of counts.keys()) expect(status).toBeLessThan(300);

  // One user, 1.5 times the limit, spread over the replicas: the limit holds for all of them together (±2%).
  const limited = await rawSession((await createKey('limited@acme.example')).key);
  const statuses = await burst(() => limited.call(), LIMIT * 1.5);
  const ok = statuses.filter((s) => s === 200).length;
  expect(Math.abs(ok + 2 - LIMIT)).toBeLessThanOrEqual(LIMIT * 0.02);
  expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);

  // A key revoked with one replica's CLI: another replica refuses it within a second.
  const { key, id } = await createKey('leaving@acme.example', 1);
  const leaving = await rawSession(key);
  const other = replicas[2]?.url as string;
  expect(await leaving.call(other)).toBe(200);
  const revoked = await runCli(['keys', 'revoke', id, '--config', configFile], { env: envs[0] });
  expect(revoked.code).toBe(0);
  const revokedAt = performance.now();
  let status = 200;
  while (status === 200 && performance.now() - revokedAt < 2_000) status = await leaving.call(other);
  expect(status).toBe(401);
  expect(performance.now() - revokedAt).toBeLessThan(1_000);

  // A session belongs to the caller who opened it, on every replica: another caller presenting its id elsewhere is refused.
  const owner = await rawSession((await createKey('owner@acme.example')).key, replicas[0]?.url);
  const intruder = (await createKey('intruder@acme.example')).key;
  const stolen = await request(`${replicas[1]?.url}/up/mcp`, {
    method: 'POST',
    headers: { ...owner.headers, authorization: `Bearer ${intruder}` },
    body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/call', params: { name: 'echo', arguments: { text: 'not mine' } } }),
  });
  expect(stolen.status).toBe(403);
  expect(JSON.parse(stolen.body).error.data.code).toBe('SESSION_NOT_YOURS');
  expect(await owner.call(replicas[2]?.url)).toBe(200);

  // One OAuth login for all replicas (login with this config keeps the tokens in Redis); two replicas meeting a 401
  // at once make one refresh between them.
  const login = await signInWithCli(['linear', '--config', configFile], envs[0] as NodeJS.ProcessEnv, dirname(configFile));
  expect(login.result.code).toBe(0);
  expect(login.result.stdout).toContain('Tokens are in the Redis');
  const oauthUser = (await createKey('oauth@acme.example')).key;
  const initializeAt = (url: string) => request(`${url}/linear/mcp`, { method: 'POST', timeoutMs: 15_000, headers: { ...MCP_POST_HEADERS, authorization: `Bearer ${oauthUser}`, host: new URL(balancer.url).host }, body: INITIALIZE });
  expect((await initializeAt(replicas[0]?.url as string)).status).toBe(200);
  expect((await initializeAt(replicas[1]?.url as string)).status).toBe(200);
  as.revokeAccessTokens();
  as.setTokenDelay(300);
  const refreshesBefore = as.counts.refreshGrants;
  const afterRevoke = await Promise.all([0, 1, 0, 1, 0, 1].map((i) => initializeAt(replicas[i]?.url as string)));
  expect(afterRevoke.map((r) => r.status)).toEqual(Array(6).fill(200));
  expect(as.counts.refreshGrants - refreshesBefore).toBe(1);
  as.setTokenDelay(0);

  // Redis stopped mid-run: no 5xx, and each replica counts limit / replicas in memory.
  const fallbackUser = await rawSession((await createKey('fallback@acme.example')).key);
  // Each replica has met the session once (a session in use, as an agent's is): its owner is known there without Redis.
  for (const replica of replicas) expect(await fallbackUser.call(replica.url)).toBe(200);
  await redis.stop();
  const beforeFallback = tallySnapshot();
  const fallback = await burst(() => fallbackUser.call(), LIMIT * 1.5);
  expect(fallback.filter((s) => s >= 500)).toEqual([]);
  expect(fallback.filter((s) => s !== 200 && s !== 429)).toEqual([]);
  const share = Math.floor(LIMIT / REPLICAS);
  for (let i = 0; i < REPLICAS; i++) expect(Math.abs(okSince(beforeFallback, i) - share)).toBeLessThanOrEqual(share * 0.02);
  for (const replica of replicas) expect(replica.log()).toContain('Redis is unreachable');
  const metrics = parsePrometheus((await request(`${replicas[0]?.url}/metrics`)).body);
  expect(sampleValue(metrics.samples, 'mcp_proxy_rate_limit_fallback_total', { scope: 'caller' })).toBeGreaterThan(share);
}, 240_000);
