// Team mode end to end: a real OpenID provider (oidc-provider) as the
// company identity provider, a Glean-style upstream (SDK server that acts as
// the user in X-Glean-ActAs), and the proxy between them holding the one
// global token. Agents sign in by MCP authorization (the SDK client's own
// OAuth flow, following the proxy's 401 and resource metadata) or with an API
// key; every request goes upstream as its own caller, never as another.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { KeyStore } from '../../src/identity/key-store.js';
import { ACT_AS_HEADER, GLOBAL_TOKEN, startActAsUpstream, type ActAsUpstream } from '../helpers/act-as-upstream.js';
import { eventually, refusingPort, request } from '../helpers/net.js';
import { startTestIdp, type TestIdp } from '../helpers/oidc-idp.js';
import { idpAccessToken } from '../helpers/oidc-token.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { connectSignedIn } from '../helpers/sdk-oauth-client.js';

const ALICE = { email: 'alice@acme.example', groups: ['eng'] };
const BOB = { email: 'bob@acme.example', groups: ['sales'] };
const MALLORY = { email: 'mallory@evil.example' };
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
const JSON_POST = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

let idp: TestIdp;
let upstream: ActAsUpstream;
let proxy: TestProxy | undefined;
let keys: KeyStore;
let storeFile: string;

beforeAll(async () => {
  idp = await startTestIdp();
});
afterAll(async () => {
  await idp.close();
});
beforeEach(async () => {
  upstream = await startActAsUpstream();
  storeFile = join(mkdtempSync(join(tmpdir(), 'team-keys-')), 'api-keys.json');
  keys = new KeyStore(storeFile);
});
/** Cleanups a test registers (a held port). */
const afterTest: Array<() => void> = [];
afterEach(async () => {
  for (const cleanup of afterTest.splice(0)) cleanup();
  await proxy?.close();
  proxy = undefined;
  await upstream.close();
});

function teamConfig(extra: Record<string, unknown> = {}, auth: Record<string, unknown> = {}) {
  return {
    mode: 'team',
    identity: [
      { type: 'apiKey', store: storeFile },
      { type: 'jwt', issuer: idp.issuer, scopes: ['openid', 'email'] },
    ],
    servers: { glean: { url: upstream.url, auth: { type: 'act-as', token: 'env:GLEAN_TOKEN', user: '$caller', allowDomains: ['acme.example'], ...auth } } },
    ...extra,
  };
}
const startTeam = async (extra: Record<string, unknown> = {}, auth: Record<string, unknown> = {}) => {
  proxy = await startTestProxy(teamConfig(extra, auth), { GLEAN_TOKEN: GLOBAL_TOKEN });
  return proxy;
};

async function keyClient(url: string, key: string): Promise<Client> {
  const client = new Client({ name: 'key-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  return client;
}
const textOf = (result: unknown) => ((result as { content: Array<{ text: string }> }).content[0] as { text: string }).text;

describe('MCP authorization against the company identity provider', () => {
  test('the SDK client follows the 401 to the resource metadata, signs in at the identity provider, and calls tools as its user', async () => {
    const { url } = await startTeam();
    const { client, provider } = await connectSignedIn(`${url}/glean/mcp`, idp, ALICE);
    try {
      expect(textOf(await client.callTool({ name: 'whoami', arguments: {} }))).toBe(ALICE.email);
      // The agent was sent to the company identity provider, for this server of the proxy as the resource (RFC 8707).
      const authorization = provider.authorizations[0] as URL;
      expect(authorization.origin).toBe(idp.issuer);
      expect(authorization.searchParams.get('resource')).toBe(`${url}/glean/mcp`);
      // Upstream: every request carried the global token and exactly one act-as value, the caller's.
      expect(upstream.received.length).toBeGreaterThanOrEqual(3);
      for (const seen of upstream.received) {
        expect(seen.tokenOk).toBe(true);
        expect(seen.actAs).toEqual([ALICE.email]);
      }
      // The agent's token for the proxy never went upstream.
      expect(upstream.received.some((r) => JSON.stringify(r.headers).includes(provider.tokens()?.access_token as string))).toBe(false);
    } finally {
      await client.close();
    }
    // Who called is in the access line and counted by method (never by user) in /metrics.
    const lines = proxy?.logs.lines().filter((l) => l.message === 'request' && l.server === 'glean') ?? [];
    expect(lines.some((l) => l.caller === ALICE.email && l.callerMethod === 'jwt' && l.status === 200)).toBe(true);
    const metrics = await request(`${url}/metrics`);
    expect(metrics.body).toMatch(/mcp_proxy_authentications_total\{method="jwt",result="ok"\} [1-9]/);
    expect(metrics.body).toMatch(/mcp_proxy_authentications_total\{method="none",result="refused"\} [1-9]/);
    expect(metrics.body).not.toContain(ALICE.email);
  });

  test('a request with no credential gets 401 pointing at the resource metadata, which names the identity provider; nothing is forwarded', async () => {
    const { url } = await startTeam();
    const res = await request(`${url}/glean/mcp`, { method: 'POST', headers: JSON_POST, body: JSON.stringify(INIT) });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`Bearer resource_metadata="${url}/.well-known/oauth-protected-resource/glean/mcp", scope="openid email"`);
    const body = JSON.parse(res.body) as { error: { code: number; message: string; data: { code: string } } };
    expect(body.error.data.code).toBe('CALLER_UNKNOWN');
    expect(body.error.message).toMatch(/API key.*identity provider/s);
    expect(upstream.received).toHaveLength(0);

    const metadata = await request(`${url}/.well-known/oauth-protected-resource/glean/mcp`);
    expect(metadata.status).toBe(200);
    expect(JSON.parse(metadata.body)).toEqual({
      resource: `${url}/glean/mcp`,
      authorization_servers: [idp.issuer],
      bearer_methods_supported: ['header'],
      scopes_supported: ['openid', 'email'],
      resource_name: 'mcp-auth-proxy',
    });
    // The default route (one server) and the proxy as a whole have theirs; unknown servers do not.
    expect(JSON.parse((await request(`${url}/.well-known/oauth-protected-resource/mcp`)).body).resource).toBe(`${url}/mcp`);
    expect(JSON.parse((await request(`${url}/.well-known/oauth-protected-resource`)).body).resource).toBe(url);
    expect((await request(`${url}/.well-known/oauth-protected-resource/nope/mcp`)).status).toBe(404);
    // The proxy is no authorization server: those discovery paths stay 404.
    expect((await request(`${url}/.well-known/oauth-authorization-server`)).status).toBe(404);
  });

  test('refused tokens: expired, for another resource, alg none, HS256 "signed" with the public key, another issuer; 401 invalid_token, never forwarded', async () => {
    const { url } = await startTeam();
    const resource = `${url}/glean/mcp`;
    const now = Math.floor(Date.now() / 1000);
    const claims = { email: ALICE.email, sub: 'alice' };
    const expired = await idp.sign({ ...claims, aud: resource, iat: now - 7200, exp: now - 3600 });
    const otherAudience = await idp.sign({ ...claims, aud: 'https://other.example/mcp', iat: now, exp: now + 600 });
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, iss: idp.issuer, aud: resource, exp: now + 600 })}.`;
    const hs256 = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', kid: 'test-idp-es256' }).setIssuer(idp.issuer).setAudience(resource).setExpirationTime(now + 600).sign(Buffer.from(JSON.stringify(idp.publicJwk)));
    const stranger = await generateKeyPair('ES256');
    const otherIssuer = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', kid: 'test-idp-es256' }).setIssuer(idp.issuer).setAudience(resource).setExpirationTime(now + 600).sign(stranger.privateKey);
    const cases: Array<[string, string, RegExp]> = [
      ['expired', expired, /expired/i],
      ['other audience', otherAudience, /audience/i],
      ['alg none', none, /algorithm|signature|invalid/i],
      ['HS256 with the public key', hs256, /algorithm|signature|invalid/i],
      ['forged signature', otherIssuer, /signature/i],
    ];
    for (const [label, token, reason] of cases) {
      const res = await request(resource, { method: 'POST', headers: { ...JSON_POST, authorization: `Bearer ${token}` }, body: JSON.stringify(INIT) });
      expect([label, res.status]).toEqual([label, 401]);
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      expect([label, JSON.parse(res.body).error.message]).toEqual([label, expect.stringMatching(reason)]);
    }
    expect(upstream.received).toHaveLength(0);
  });
});

test("the identity provider's keys out of reach: 503 naming it (the agent retries; no sign-in loop), nothing forwarded", async () => {
  const closed = await refusingPort();
  afterTest.push(closed.release);
  const { url } = await startTeam({ identity: [{ type: 'jwt', issuer: idp.issuer, jwksUri: `http://127.0.0.1:${closed.port}/jwks` }] });
  const token = await idpAccessToken(idp, `${url}/glean/mcp`, ALICE);
  const res = await request(`${url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, authorization: `Bearer ${token}` }, body: JSON.stringify(INIT) });
  expect(res.status).toBe(503);
  expect(res.headers['www-authenticate']).toBeUndefined();
  const body = JSON.parse(res.body) as { error: { code: number; data: { code: string } } };
  expect(body.error.data.code).toBe('IDENTITY_PROVIDER_UNREACHABLE');
  expect(body.error.code).toBe(-32008);
  expect(upstream.received).toHaveLength(0);
});

describe('API keys', () => {
  test('a key acts as its user; revoked it is refused at the next request (no reload); a wrong secret and an unknown id get the same answer', async () => {
    const { url } = await startTeam();
    const alice = keys.create(ALICE.email, ALICE.groups);
    const client = await keyClient(`${url}/glean/mcp`, alice.key);
    try {
      expect(textOf(await client.callTool({ name: 'whoami', arguments: {} }))).toBe(ALICE.email);
      keys.revoke(alice.record.id);
      await expect(client.callTool({ name: 'whoami', arguments: {} })).rejects.toThrow(/401|not valid/);
    } finally {
      await client.close().catch(() => undefined);
    }
    const wrongSecret = `${alice.key.slice(0, -4)}AAAA`;
    const unknownId = alice.key.replace(alice.record.id, 'x'.repeat(alice.record.id.length));
    const answers = await Promise.all(
      [wrongSecret, unknownId].map(async (key) => {
        const res = await request(`${url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, authorization: `Bearer ${key}` }, body: JSON.stringify(INIT) });
        return { status: res.status, body: res.body.replace(/"id":[^,]*,/, '') };
      }),
    );
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]?.status).toBe(401);
    const lines = proxy?.logs.lines().filter((l) => l.message === 'request') ?? [];
    expect(lines.some((l) => l.caller === ALICE.email && l.callerMethod === 'apiKey' && l.keyId === alice.record.id)).toBe(true);
    // The key itself is in no log line.
    expect(proxy?.logs.text).not.toContain(alice.key);
  });
});

describe('each request acts as its own caller', () => {
  test('two callers interleaving many calls: every upstream request carries its own caller, never the other', async () => {
    const { url } = await startTeam();
    const callers = [ALICE, BOB].map((user) => ({ user, key: keys.create(user.email, []).key }));
    const clients = await Promise.all(callers.map((c) => keyClient(`${url}/glean/mcp`, c.key)));
    try {
      const calls: Array<Promise<void>> = [];
      for (let i = 0; i < 150; i++) {
        for (const [n, client] of clients.entries()) {
          const email = (callers[n] as { user: { email: string } }).user.email;
          calls.push(
            client.callTool({ name: 'echo', arguments: { text: `${email}#${i}` } }).then((result) => {
              expect(textOf(result)).toBe(`${email}: ${email}#${i}`);
            }),
          );
        }
      }
      await Promise.all(calls);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
    const echoes = upstream.received.filter((r) => r.text !== undefined);
    expect(echoes).toHaveLength(300);
    // Zero cross-over: the act-as of each call is the caller whose text it carries.
    for (const seen of echoes) expect(seen.actAs).toEqual([(seen.text as string).split('#')[0]]);
  });

  test('the audit line names the caller, how it proved itself, and the user the upstream acted as', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'team-audit-'));
    proxy = await startTestProxy(teamConfig({ audit: true }), { GLEAN_TOKEN: GLOBAL_TOKEN }, { stateDir });
    const bob = keys.create(BOB.email, []);
    const client = await keyClient(`${proxy.url}/glean/mcp`, bob.key);
    await client.callTool({ name: 'whoami', arguments: {} });
    await client.close();
    const file = join(stateDir, 'audit.jsonl');
    await eventually(() => existsSync(file) && readFileSync(file, 'utf8').includes('whoami'));
    const [line] = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(line).toMatchObject({ server: 'glean', tool: 'whoami', caller: BOB.email, callerMethod: 'apiKey', keyId: bob.record.id, identity: BOB.email, outcome: 'ok' });
    expect(readFileSync(file, 'utf8')).not.toContain(GLOBAL_TOKEN);
  });

  test('a caller that sends an act-as header for someone else (any spelling) is acted as itself', async () => {
    const { url } = await startTeam();
    const bob = keys.create(BOB.email, []);
    const client = new Client({ name: 'sneaky', version: '1.0.0' });
    const headers = { authorization: `Bearer ${bob.key}`, 'X-Glean-ActAs': 'ceo@acme.example', X_Glean_ActAs: 'ceo@acme.example', 'X-Scio-Actas': 'ceo@acme.example', 'X-Auth-Request-Email': 'ceo@acme.example' };
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/glean/mcp`), { requestInit: { headers } }));
    try {
      expect(textOf(await client.callTool({ name: 'whoami', arguments: {} }))).toBe(BOB.email);
    } finally {
      await client.close();
    }
    for (const seen of upstream.received) {
      expect(seen.actAs).toEqual([BOB.email]);
      expect(seen.headers['x-scio-actas']).toBeUndefined();
      expect(seen.headers['x-auth-request-email']).toBeUndefined();
    }
  });

  test('a caller outside allowDomains is refused (403) and nothing is forwarded', async () => {
    const { url } = await startTeam();
    const mallory = keys.create(MALLORY.email, []);
    const res = await request(`${url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, authorization: `Bearer ${mallory.key}` }, body: JSON.stringify(INIT) });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body).error.data.code).toBe('CALLER_NOT_ALLOWED');
    expect(upstream.received).toHaveLength(0);
  });

  test("an MCP session belongs to the caller who opened it: another caller presenting its id is refused", async () => {
    const { url } = await startTeam();
    const alice = keys.create(ALICE.email, []).key;
    const bob = keys.create(BOB.email, []).key;
    const opened = await request(`${url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, authorization: `Bearer ${alice}` }, body: JSON.stringify(INIT) });
    expect(opened.status).toBe(200);
    const session = opened.headers['mcp-session-id'] as string;
    expect(session).toBeTruthy();
    const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } };
    const before = upstream.received.length;
    const stolen = await request(`${url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, authorization: `Bearer ${bob}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' }, body: JSON.stringify(call) });
    expect(stolen.status).toBe(403);
    expect(JSON.parse(stolen.body).error.data.code).toBe('SESSION_NOT_YOURS');
    expect(upstream.received.length).toBe(before);
    const own = await request(`${url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, authorization: `Bearer ${alice}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' }, body: JSON.stringify(call) });
    expect(own.status).toBe(200);
    expect(own.body).toContain(ALICE.email);
  });

  test('a session id the proxy has no owner for (a restart) gets 404, never forwarded, so no one can claim it by presenting it first', async () => {
    const first = await startTeam();
    const alice = keys.create(ALICE.email, []).key;
    const bob = keys.create(BOB.email, []).key;
    const opened = await request(`${first.url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, authorization: `Bearer ${alice}` }, body: JSON.stringify(INIT) });
    const session = opened.headers['mcp-session-id'] as string;
    expect(session).toBeTruthy();
    await first.close();
    // The upstream still holds Alice's session; the new proxy knows nothing of it.
    await startTeam();
    const call = (key: string) =>
      request(`${proxy?.url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, authorization: `Bearer ${key}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } }) });
    const before = upstream.received.length;
    const presented = await call(bob);
    expect(presented.status).toBe(404);
    expect(JSON.parse(presented.body).error.data.code).toBe('SESSION_UNKNOWN');
    expect(upstream.received.length).toBe(before);
    // Bob did not become its owner: Alice gets the same 404 (her agent initializes again), not a 403.
    expect((await call(alice)).status).toBe(404);
    expect(upstream.received.length).toBe(before);
  });

  test('with the identity methods in either order, an API key is judged by apiKey and a JWT by jwt', async () => {
    const { url } = await startTeam({ identity: [{ type: 'jwt', issuer: idp.issuer, scopes: ['openid', 'email'] }, { type: 'apiKey', store: storeFile }] });
    const alice = keys.create(ALICE.email, []).key;
    const client = await keyClient(`${url}/glean/mcp`, alice);
    try {
      expect(textOf(await client.callTool({ name: 'whoami', arguments: {} }))).toBe(ALICE.email);
    } finally {
      await client.close().catch(() => undefined);
    }
  });
});

describe('identity from a proxy in front', () => {
  test('an access proxy assertion signed by its JWKS is accepted and not forwarded; a forged one is refused', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'cf', alg: 'ES256', use: 'sig' }] };
    const { listen } = await import('../helpers/net.js');
    const keyServer = await listen((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks)));
    try {
      const { url } = await startTeam({ identity: [{ type: 'proxyAssertion', provider: 'cloudflare', jwksUri: `${keyServer.url}/certs`, audience: 'aud-tag-123' }] });
      const assertion = await new SignJWT({ email: 'carol@acme.example' }).setProtectedHeader({ alg: 'ES256', kid: 'cf' }).setAudience('aud-tag-123').setIssuedAt().setExpirationTime('5m').sign(privateKey);
      const ok = await request(`${url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, 'Cf-Access-Jwt-Assertion': assertion }, body: JSON.stringify(INIT) });
      expect(ok.status).toBe(200);
      expect(upstream.received.at(-1)?.actAs).toEqual(['carol@acme.example']);
      expect(upstream.received.at(-1)?.headers['cf-access-jwt-assertion']).toBeUndefined();
      const forger = await generateKeyPair('ES256');
      const forged = await new SignJWT({ email: 'carol@acme.example' }).setProtectedHeader({ alg: 'ES256', kid: 'cf' }).setAudience('aud-tag-123').setIssuedAt().setExpirationTime('5m').sign(forger.privateKey);
      const before = upstream.received.length;
      const refused = await request(`${url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, 'Cf-Access-Jwt-Assertion': forged }, body: JSON.stringify(INIT) });
      expect(refused.status).toBe(401);
      expect(upstream.received.length).toBe(before);
    } finally {
      await keyServer.close();
    }
  });

  test('a trusted header counts from trustedProxies only; from elsewhere the request is refused', async () => {
    const trusted = await startTeam({ identity: [{ type: 'trustedHeader', groupsHeader: 'X-Auth-Request-Groups' }], trustedProxies: ['127.0.0.1', '::1'] });
    const ok = await request(`${trusted.url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, 'X-Auth-Request-Email': 'dave@acme.example', 'X-Auth-Request-Groups': 'eng,ops' }, body: JSON.stringify(INIT) });
    expect(ok.status).toBe(200);
    const seen = upstream.received.at(-1);
    expect(seen?.actAs).toEqual(['dave@acme.example']);
    expect(seen?.headers['x-auth-request-email']).toBeUndefined();
    await trusted.close();
    // A header of the operator's choosing (not one of the families the proxy always strips) is not forwarded either.
    const custom = await startTestProxy(teamConfig({ identity: [{ type: 'trustedHeader', header: 'X-Sso-Mail', groupsHeader: 'X-Sso-Teams' }], trustedProxies: ['127.0.0.1', '::1'] }), { GLEAN_TOKEN: GLOBAL_TOKEN });
    const viaCustom = await request(`${custom.url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, 'X-Sso-Mail': 'erin@acme.example', 'X-Sso-Teams': 'ops', 'X_Sso_Mail': 'erin@acme.example' }, body: JSON.stringify(INIT) });
    expect(viaCustom.status).toBe(200);
    const customSeen = upstream.received.at(-1);
    expect(customSeen?.actAs).toEqual(['erin@acme.example']);
    expect(Object.keys(customSeen?.headers ?? {}).filter((h) => h.replaceAll('_', '-').startsWith('x-sso-'))).toEqual([]);
    await custom.close();
    // The load balancer is elsewhere: this connection (loopback) is not it, so the header is a claim anyone could make.
    proxy = await startTestProxy(teamConfig({ identity: [{ type: 'trustedHeader' }], trustedProxies: ['10.0.0.0/8'] }), { GLEAN_TOKEN: GLOBAL_TOKEN });
    const before = upstream.received.length;
    const refused = await request(`${proxy.url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, 'X-Auth-Request-Email': 'dave@acme.example' }, body: JSON.stringify(INIT) });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error.data.code).toBe('UNTRUSTED_IDENTITY_HEADER');
    expect(upstream.received.length).toBe(before);
  });
});

describe('the listener in team mode', () => {
  test('Host and Origin take publicUrl; probes answer any Host; status, metrics and credentialz answer this machine only', async () => {
    const { url } = await startTeam({ publicUrl: 'https://mcp.acme.example', trustedProxies: ['127.0.0.1'] });
    const alice = keys.create(ALICE.email, []).key;
    const asPublic = await request(`${url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, host: 'mcp.acme.example', origin: 'https://mcp.acme.example', authorization: `Bearer ${alice}` }, body: JSON.stringify(INIT) });
    expect(asPublic.status).toBe(200);
    const unauthenticated = await request(`${url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, host: 'mcp.acme.example' }, body: JSON.stringify(INIT) });
    expect(unauthenticated.headers['www-authenticate']).toContain('resource_metadata="https://mcp.acme.example/.well-known/oauth-protected-resource/glean/mcp"');
    const metadata = await request(`${url}/.well-known/oauth-protected-resource/glean/mcp`, { headers: { host: 'mcp.acme.example' } });
    expect(JSON.parse(metadata.body).resource).toBe('https://mcp.acme.example/glean/mcp');
    expect((await request(`${url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, host: 'evil.example', authorization: `Bearer ${alice}` }, body: '{}' })).status).toBe(403);
    expect((await request(`${url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, host: 'mcp.acme.example', origin: 'https://evil.example', authorization: `Bearer ${alice}` }, body: '{}' })).status).toBe(403);
    // A kubelet probes the pod IP.
    expect((await request(`${url}/healthz`, { headers: { host: '10.1.2.3:8787' } })).status).toBe(200);
    const ready = await request(`${url}/readyz`, { headers: { host: '10.1.2.3:8787', 'x-forwarded-for': '203.0.113.9' } });
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: 'ready' });
    // Through the load balancer, a caller elsewhere gets nothing about upstreams.
    for (const path of ['/statusz', '/metrics']) {
      const remote = await request(`${url}${path}`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
      expect([path, remote.status]).toEqual([path, 403]);
    }
    const remoteCredentialz = await request(`${url}/credentialz`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' }, body: '{"server":"glean"}' });
    expect(remoteCredentialz.status).toBe(403);
    // A forwarded request is never this machine's, even when the address it claims is loopback (a caller inside a
    // trusted range can write any X-Forwarded-For).
    for (const forwarded of [{ 'x-forwarded-for': '127.0.0.1' }, { 'x-forwarded-for': '127.0.0.1, 127.0.0.1' }, { forwarded: 'for=127.0.0.1' }] as Array<Record<string, string>>) {
      expect([forwarded, (await request(`${url}/statusz`, { headers: forwarded })).status]).toEqual([forwarded, 403]);
    }
    // On this machine, status shows the identity methods and the key store.
    const status = JSON.parse((await request(`${url}/statusz`)).body) as { mode: string; identity: Array<{ type: string; ok: boolean; detail: string }> };
    expect(status.mode).toBe('team');
    expect(status.identity[0]).toEqual({ type: 'apiKey', ok: true, detail: expect.stringContaining('1 key') });
    expect(status.identity[1]).toMatchObject({ type: 'jwt', ok: true });
  });

  test('the local mode of the same config serves the local user as before: no identity step, discovery stays a local 404', async () => {
    proxy = await startTestProxy({ servers: { glean: { url: upstream.url, auth: { type: 'act-as', token: 'env:GLEAN_TOKEN', user: 'me@acme.example' } } } }, { GLEAN_TOKEN: GLOBAL_TOKEN });
    const res = await request(`${proxy.url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, authorization: 'Bearer whatever' }, body: JSON.stringify(INIT) });
    expect(res.status).toBe(200);
    expect(upstream.received.at(-1)?.actAs).toEqual(['me@acme.example']);
    const discovery = await request(`${proxy.url}/.well-known/oauth-protected-resource/glean/mcp`);
    expect(discovery.status).toBe(404);
    expect(JSON.parse(discovery.body).error.data.code).toBe('NOT_AN_AUTHORIZATION_SERVER');
  });
});

test('a token the identity provider issued by a real sign-in works as a static bearer too (agents that only set headers)', async () => {
  const { url } = await startTeam();
  const token = await idpAccessToken(idp, `${url}/glean/mcp`, BOB);
  const res = await request(`${url}/glean/mcp`, { method: 'POST', headers: { ...JSON_POST, authorization: `Bearer ${token}` }, body: JSON.stringify(INIT) });
  expect(res.status).toBe(200);
  expect(upstream.received.at(-1)?.actAs).toEqual([BOB.email]);
  expect(upstream.received.at(-1)?.headers[ACT_AS_HEADER]).toBe(BOB.email);
});
