// The team section: the proxy's CPU per request in team mode against local
// mode, same run, same upstream and body. Daemons (local act-as; team
// with an API key; team with a JWT from a local JWKS, keys cached), each
// driven by the same keep-alive client in interleaved rounds; the proxy's
// CPU time (/proc, user + system) over the requests it served is the figure.
// Two more: JWT with a rate limit per caller counted in memory, and counted in
// a real Redis (redis-server started here on loopback), as replicas share it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { KeyStore } from '../src/identity/key-store.js';
import { start } from './children.js';
import { runJson } from './http-client.js';
import { cpuMs } from './proc.js';
import { median } from './stats.js';
import { table } from './table.js';
import { startRedis } from '../test/helpers/redis.js';

export interface TeamRow {
  mode: string;
  /** Median over rounds of the proxy's CPU microseconds per request. */
  cpuUsPerRequest: number;
  /** Added to local mode's in this run. */
  addedUs: number;
  requestsPerSecond: number;
}

export interface TeamResult {
  date: string;
  requests: number;
  rounds: number;
  rows: TeamRow[];
}

const REQUESTS = Number(process.env.BENCH_TEAM_REQUESTS ?? 4000);
const CONCURRENCY = 8;
const TOKEN = 'bench-global-token';
const BODY = JSON.stringify({ jsonrpc: '2.0', id: 42, method: 'tools/call', params: { name: 'search', arguments: { query: 'quarterly revenue by region', limit: 20 } } });
const ANSWER = Buffer.from('{"jsonrpc":"2.0","id":42,"result":{"content":[{"type":"text","text":"ok"}]}}');
const LISTENING = /listening on (http:\/\/\S+)/;

function listen(handler: http.RequestListener): Promise<{ url: string; close: () => void }> {
  const server = http.createServer({ keepAliveTimeout: 30_000 }, handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() })));
}

export async function benchTeam(rounds: number, log: (line: string) => void): Promise<TeamResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-auth-proxy-bench-team-'));
  // The Glean-style upstream: checks the global token and one act-as value, answers small JSON.
  const upstream = await listen((req, res) => {
    const ok = req.headers.authorization === `Bearer ${TOKEN}` && typeof req.headers['x-glean-actas'] === 'string';
    req.resume();
    req.on('end', () => (ok ? res.writeHead(200, { 'content-type': 'application/json', 'content-length': ANSWER.length }).end(ANSWER) : res.writeHead(401).end()));
  });
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' }] });
  const idp = await listen((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  const jwt = await new SignJWT({ email: 'alice@acme.example', groups: ['eng'] }).setProtectedHeader({ alg: 'ES256', kid: 'bench' }).setIssuer(idp.url).setAudience('bench-proxy').setIssuedAt().setExpirationTime('2h').sign(privateKey);
  const store = join(dir, 'api-keys.json');
  const apiKey = new KeyStore(store).create('alice@acme.example', ['eng']).key;
  const redis = await startRedis();
  // High enough never to refuse: the cost of counting is what is measured.
  const rateLimits = { perCaller: '100000000/min' };

  const server = (user: string) => ({ glean: { url: `${upstream.url}/mcp`, auth: { type: 'act-as', token: 'env:BENCH_GLEAN_TOKEN', user } } });
  const modes: Array<{ mode: string; config: object; authorization?: string }> = [
    { mode: 'local (act-as, configured user)', config: { servers: server('alice@acme.example') } },
    { mode: 'team: API key, act-as $caller', config: { mode: 'team', identity: [{ type: 'apiKey', store }], servers: server('$caller') }, authorization: `Bearer ${apiKey}` },
    { mode: 'team: JWT (cached JWKS), act-as $caller', config: { mode: 'team', identity: [{ type: 'jwt', issuer: idp.url, jwksUri: `${idp.url}/jwks`, audience: 'bench-proxy' }], servers: server('$caller') }, authorization: `Bearer ${jwt}` },
    { mode: 'team: JWT + rate limit in memory', config: { mode: 'team', identity: [{ type: 'jwt', issuer: idp.url, jwksUri: `${idp.url}/jwks`, audience: 'bench-proxy' }], rateLimits, servers: server('$caller') }, authorization: `Bearer ${jwt}` },
    { mode: 'team: JWT + rate limit in Redis', config: { mode: 'team', identity: [{ type: 'jwt', issuer: idp.url, jwksUri: `${idp.url}/jwks`, audience: 'bench-proxy' }], rateLimits, redis: { url: redis.url }, servers: server('$caller') }, authorization: `Bearer ${jwt}` },
  ];
  const daemons = [];
  for (const [i, m] of modes.entries()) {
    const file = join(dir, `config-${i}.json`);
    writeFileSync(file, JSON.stringify({ logLevel: 'info', ...m.config }));
    const { child, match } = await start(['bin/mcp-auth-proxy.js', 'start', '--listen', '127.0.0.1:0', '--config', file], { BENCH_GLEAN_TOKEN: TOKEN }, LISTENING);
    daemons.push({ ...m, pid: child.pid, url: `${match[1]}/glean/mcp`, cpu: [] as number[], rps: [] as number[] });
  }
  try {
    for (let round = 0; round < rounds; round++) {
      for (const d of daemons) {
        const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(d.authorization ? { authorization: d.authorization } : {}) };
        const before = cpuMs(d.pid) ?? Number.NaN;
        const run = await runJson({ url: d.url, headers, body: BODY, expectBytes: ANSWER.length, concurrency: CONCURRENCY, requests: REQUESTS, warmup: 200 });
        const used = (cpuMs(d.pid) ?? Number.NaN) - before;
        if (run.failures > 0) throw new Error(`${d.mode}: ${run.failures} requests failed`);
        // The warm-up requests ran between the two readings too.
        d.cpu.push((used * 1000) / (run.ok + 200));
        d.rps.push(run.ok / run.seconds);
        log(`team round ${round + 1}/${rounds}: ${d.mode}: ${((used * 1000) / (run.ok + 200)).toFixed(1)} µs CPU per request`);
      }
    }
  } finally {
    upstream.close();
    idp.close();
    await redis.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const local = median(daemons[0]?.cpu ?? []);
  return {
    date: new Date().toISOString(),
    requests: REQUESTS,
    rounds,
    rows: daemons.map((d) => ({ mode: d.mode, cpuUsPerRequest: median(d.cpu), addedUs: median(d.cpu) - local, requestsPerSecond: median(d.rps) })),
  };
}

export function printTeam(result: TeamResult): void {
  console.log(`\n## team: the proxy's CPU per request, team mode against local mode (median of ${result.rounds} rounds of ${result.requests} requests, c=${CONCURRENCY})\n`);
  console.log(`${table(['mode', 'CPU per request', 'added to local', 'requests/s'], result.rows.map((r) => [r.mode, `${r.cpuUsPerRequest.toFixed(1)} µs`, `${r.addedUs >= 0 ? '+' : ''}${r.addedUs.toFixed(1)} µs`, r.requestsPerSecond.toFixed(0)]))}\n`);
}
