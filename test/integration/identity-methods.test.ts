// Team mode's identity methods on real credentials: JWTs from a real OpenID
// provider (oidc-provider) and forgeries of them, API keys from the key
// store, access-proxy assertions signed by a local JWKS, and a trusted
// header believed only from trusted proxies. Each either names the caller or
// refuses with a reason a user can act on.
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockList } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';

type CryptoKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
import { createIdentityChain } from '../../src/identity/chain.js';
import { KeyStore } from '../../src/identity/key-store.js';
import { startTestIdp, type TestIdp } from '../helpers/oidc-idp.js';
import { idpAccessToken } from '../helpers/oidc-token.js';
import { listen } from '../helpers/net.js';

const RESOURCE = 'https://mcp-proxy.acme.example/glean/mcp';
let idp: TestIdp;
beforeAll(async () => {
  idp = await startTestIdp();
});
afterAll(() => idp.close());

/** A request as the identity step sees it: headers, and the address it came from. */
function request(headers: Record<string, string>, address = '203.0.113.9'): http.IncomingMessage {
  return { headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])), socket: { remoteAddress: address } } as unknown as http.IncomingMessage;
}
const bearer = (token: string) => request({ authorization: `Bearer ${token}` });

describe('jwt', () => {
  const chain = () => createIdentityChain({ methods: [{ type: 'jwt', issuer: idp.issuer, claims: { user: 'email', groups: 'groups' }, clockTolerance: 5_000 }], env: {} });

  test("the identity provider's access token for this server names its user and groups", async () => {
    const token = await idpAccessToken(idp, RESOURCE, { email: 'Ann@Acme.example', groups: ['eng', 'admins'] });
    expect(await chain().authenticate(bearer(token), [RESOURCE])).toEqual({ principal: { user: 'ann@acme.example', groups: ['eng', 'admins'], method: 'jwt' } });
  });

  test('a token verified once is not checked again until it expires; then it is refused, and it never counts for another server', async () => {
    let clock = Date.now();
    const timed = createIdentityChain({ methods: [{ type: 'jwt', issuer: idp.issuer, claims: { user: 'email', groups: 'groups' }, clockTolerance: 5_000 }], env: {}, now: () => clock });
    const exp = Math.floor(clock / 1000) + 60;
    const token = await idp.sign({ aud: RESOURCE, email: 'ann@acme.example', iat: exp - 120, exp });
    const first = timed.authenticate(bearer(token), [RESOURCE]);
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toEqual({ principal: { user: 'ann@acme.example', groups: [], method: 'jwt' } });
    // The second time is answered from what was verified: at once, no promise.
    expect(timed.authenticate(bearer(token), [RESOURCE])).toEqual({ principal: { user: 'ann@acme.example', groups: [], method: 'jwt' } });
    // Not for another server's audience.
    expect(await timed.authenticate(bearer(token), ['https://mcp-proxy.acme.example/github/mcp'])).toMatchObject({ refusal: { code: 'TOKEN_WRONG_AUDIENCE' } });
    // Past its expiry (and the clock tolerance) it is verified again, and refused.
    clock = exp * 1000 + 10_000;
    expect(await timed.authenticate(bearer(token), [RESOURCE])).toMatchObject({ refusal: { code: 'TOKEN_EXPIRED', status: 401 } });
  });

  test('refused: a token for another server, an expired one, one without an email, and forgeries', async () => {
    const forOther = await idpAccessToken(idp, 'https://mcp-proxy.acme.example/github/mcp', { email: 'ann@acme.example' });
    const now = Math.floor(Date.now() / 1000);
    const expired = await idp.sign({ aud: RESOURCE, email: 'ann@acme.example', iat: now - 7200, exp: now - 3600 });
    const noEmail = await idp.sign({ aud: RESOURCE, sub: 'ann', exp: now + 600 });
    // Self-service sign-up at the provider: anyone may type a colleague's address, which the provider marks unverified.
    const unverified = await idp.sign({ aud: RESOURCE, email: 'ceo@acme.example', email_verified: false, exp: now + 600 });
    const unprintable = await idp.sign({ aud: RESOURCE, email: 'zoë@acme.example', exp: now + 600 });
    const header = (h: object) => Buffer.from(JSON.stringify(h)).toString('base64url');
    const payload = header({ iss: idp.issuer, aud: RESOURCE, email: 'eve@acme.example', exp: now + 600 });
    const unsigned = `${header({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    // The classic confusion: HS256 with the provider's public key as the shared secret.
    const publicAsSecret = await new SignJWT({ aud: RESOURCE, email: 'eve@acme.example' })
      .setProtectedHeader({ alg: 'HS256', kid: 'test-idp-es256' })
      .setIssuer(idp.issuer)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(JSON.stringify(idp.publicJwk)));
    const { privateKey: strangerKey } = await generateKeyPair('ES256');
    const stranger = await new SignJWT({ aud: RESOURCE, email: 'eve@acme.example' }).setProtectedHeader({ alg: 'ES256', kid: 'test-idp-es256' }).setIssuer(idp.issuer).setExpirationTime('10m').sign(strangerKey);
    const cases: Array<[string, string]> = [
      [forOther, 'TOKEN_WRONG_AUDIENCE'],
      [expired, 'TOKEN_EXPIRED'],
      [noEmail, 'TOKEN_NO_EMAIL'],
      [unverified, 'TOKEN_EMAIL_UNVERIFIED'],
      [unprintable, 'TOKEN_NO_EMAIL'],
      [unsigned, 'TOKEN_ALGORITHM'],
      [publicAsSecret, 'TOKEN_ALGORITHM'],
      [stranger, 'TOKEN_BAD_SIGNATURE'],
      ['not.a.jwt', 'TOKEN_INVALID'],
      ['opaque-token', 'TOKEN_INVALID'],
    ];
    for (const [token, code] of cases) {
      const result = await chain().authenticate(bearer(token), [RESOURCE]);
      expect({ code, result }).toEqual({ code, result: { refusal: expect.objectContaining({ code, status: code === 'TOKEN_NO_EMAIL' || code === 'TOKEN_EMAIL_UNVERIFIED' ? 403 : 401 }), delayMs: 0 } });
    }
  });
});

describe('apiKey', () => {
  test('a created key names its user; a wrong secret and an unknown id get the same answer; revoked and expired keys are refused at once', async () => {
    const store = join(mkdtempSync(join(tmpdir(), 'map-keys-')), 'api-keys.json');
    let now = Date.now();
    const keys = new KeyStore(store, () => now);
    const chain = createIdentityChain({ methods: [{ type: 'apiKey', store }], env: {}, now: () => now });
    const { key, record } = keys.create('bob@acme.example', ['ops'], new Date(now + 3600_000));
    expect(key).toMatch(/^mapk_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(await chain.authenticate(bearer(key), [])).toEqual({ principal: { user: 'bob@acme.example', groups: ['ops'], method: 'apiKey', keyId: record.id } });
    const wrongSecret = `${key.slice(0, -4)}AAAA`;
    const unknownId = `mapk_000000000000_${key.slice(-43)}`;
    const answers = await Promise.all([wrongSecret, unknownId].map(async (k) => (await chain.authenticate(bearer(k), [])) as { refusal: object }));
    expect(answers[0]?.refusal).toEqual(answers[1]?.refusal);
    expect(answers[0]?.refusal).toMatchObject({ status: 401, code: 'KEY_UNKNOWN' });
    // Revoked by another process writing the store: the very next check refuses it.
    new KeyStore(store).revoke(record.id);
    expect(await chain.authenticate(bearer(key), [])).toMatchObject({ refusal: { code: 'KEY_UNKNOWN' } });
    const second = keys.create('bob@acme.example', [], new Date(now + 1000));
    now += 2000;
    expect(await chain.authenticate(bearer(second.key), [])).toMatchObject({ refusal: { code: 'KEY_EXPIRED' } });
    expect(JSON.stringify(keys.list())).not.toContain(second.key.slice(-43));
  });
});

describe('proxyAssertion and trustedHeader', () => {
  let jwks: Awaited<ReturnType<typeof listen>>;
  let signer: CryptoKey;
  beforeAll(async () => {
    const pair = await generateKeyPair('RS256', { extractable: true });
    signer = pair.privateKey;
    const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'access-1', alg: 'RS256' };
    jwks = await listen((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] })));
  });
  afterAll(() => jwks.close());

  test('an access proxy assertion signed by its JWKS is accepted; forged or unsigned ones are refused', async () => {
    const chain = createIdentityChain({ methods: [{ type: 'proxyAssertion', provider: 'cloudflare', jwksUri: `${jwks.url}/certs`, audience: 'aud-tag-123', claims: { user: 'email', groups: 'groups' } }], env: {} });
    const assertion = (key: CryptoKey | Uint8Array, alg = 'RS256', aud = 'aud-tag-123') => new SignJWT({ email: 'cat@acme.example', aud }).setProtectedHeader({ alg, kid: 'access-1' }).setExpirationTime('5m').sign(key);
    expect(await chain.authenticate(request({ 'Cf-Access-Jwt-Assertion': await assertion(signer) }), [])).toEqual({ principal: { user: 'cat@acme.example', groups: [], method: 'proxyAssertion' } });
    const forged = (await generateKeyPair('RS256')).privateKey;
    expect(await chain.authenticate(request({ 'Cf-Access-Jwt-Assertion': await assertion(forged) }), [])).toMatchObject({ refusal: { code: 'TOKEN_BAD_SIGNATURE' } });
    expect(await chain.authenticate(request({ 'Cf-Access-Jwt-Assertion': await assertion(signer, 'RS256', 'other-app') }), [])).toMatchObject({ refusal: { code: 'TOKEN_WRONG_AUDIENCE' } });
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ email: 'cat@acme.example', aud: 'aud-tag-123' })).toString('base64url')}.`;
    expect(await chain.authenticate(request({ 'Cf-Access-Jwt-Assertion': unsigned }), [])).toMatchObject({ refusal: { status: 401 } });
    // No assertion at all: not this method's request, so the chain refuses it as unknown.
    expect(await chain.authenticate(request({}), [])).toMatchObject({ refusal: { code: 'CALLER_UNKNOWN' } });
  });

  test('a trusted header is believed from trustedProxies only; from elsewhere it is refused', async () => {
    const trusted = new BlockList();
    trusted.addSubnet('10.0.0.0', 8, 'ipv4');
    const chain = createIdentityChain({ methods: [{ type: 'trustedHeader', header: 'X-Auth-Request-Email', groupsHeader: 'X-Auth-Request-Groups' }], env: {}, trustedProxies: trusted });
    const headers = { 'X-Auth-Request-Email': 'dee@acme.example', 'X-Auth-Request-Groups': 'eng,ops' };
    expect(await chain.authenticate(request(headers, '10.1.2.3'), [])).toEqual({ principal: { user: 'dee@acme.example', groups: ['eng', 'ops'], method: 'trustedHeader' } });
    expect(await chain.authenticate(request(headers, '192.0.2.7'), [])).toMatchObject({ refusal: { status: 403, code: 'UNTRUSTED_IDENTITY_HEADER' } });
    // Behind the trusted proxy, the client address is the last one the proxy did not add.
    expect(chain.clientAddress(request({ 'x-forwarded-for': '198.51.100.4, 10.9.9.9' }, '10.1.2.3'))).toBe('198.51.100.4');
    expect(chain.clientAddress(request({ 'x-forwarded-for': '198.51.100.4' }, '192.0.2.7'))).toBe('192.0.2.7');
  });
});

test('refusals from one address slow down after a few, and one success forgives them', async () => {
  const store = join(mkdtempSync(join(tmpdir(), 'map-keys-')), 'api-keys.json');
  const chain = createIdentityChain({ methods: [{ type: 'apiKey', store }], env: {} });
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) delays.push(((await chain.authenticate(bearer('mapk_wrong'), [])) as { delayMs: number }).delayMs);
  expect(delays).toEqual([0, 0, 0, 0, 0, 100, 200, 400]);
  const { key } = new KeyStore(store).create('eve@acme.example', []);
  expect(await chain.authenticate(bearer(key), [])).toHaveProperty('principal');
  expect(((await chain.authenticate(bearer('mapk_wrong'), [])) as { delayMs: number }).delayMs).toBe(0);
});
