// The bearer, headers and act-as schemes: the schema accepts only secret
// references and valid fields, and createSigner yields exactly their headers.
import { createSigner } from '../../src/auth/index.js';
import { LOCAL_USER } from '../../src/auth/scheme.js';
import { configSchema, DEFAULT_ACT_AS_HEADER, type HttpServerConfig } from '../../src/config/schema.js';
import { Redactor } from '../../src/observability/redact.js';
import { SecretResolver } from '../../src/secrets/resolve.js';
import { createStripper } from '../../src/proxy/strip.js';

const URL_ = 'https://mcp.corp.example/mcp';
const parse = (auth: Record<string, unknown>) => configSchema.safeParse({ servers: { s: { url: URL_, auth } } });
const messages = (result: ReturnType<typeof parse>) => (result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));

describe('schema', () => {
  test.each([
    ['bearer', { type: 'bearer', token: 'ghp_literalTokenValue123' }, 'servers.s.auth.token'],
    ['act-as', { type: 'act-as', token: 'glean-literal-token-456', user: 'me@acme.com' }, 'servers.s.auth.token'],
    ['headers', { type: 'headers', headers: { 'X-Api-Key': 'literal-api-key-789' } }, 'servers.s.auth.headers.X-Api-Key'],
  ])('%s: a literal secret is refused at its field, and the message does not echo it', (_type, auth, path) => {
    const result = parse(auth);
    expect(result.success).toBe(false);
    const text = messages(result).join('\n');
    expect(text).toContain(`${path}: a secret value cannot be written in config`);
    const literal = Object.values({ ...auth, ...((auth as { headers?: object }).headers ?? {}) }).find((v) => typeof v === 'string' && v.includes('literal'));
    expect(literal).toBeDefined();
    expect(text).not.toContain(literal as string);
    expect(JSON.stringify(result.error)).not.toContain(literal as string);
  });

  test.each([['env:BEARER_TOKEN'], ['file:/etc/mcp/token'], ['keychain:search']])('bearer accepts the reference %s', (token) => {
    const result = parse({ type: 'bearer', token });
    expect(messages(result)).toEqual([]);
    expect((result.data?.servers.s as HttpServerConfig | undefined)?.auth).toEqual({ type: 'bearer', token });
  });

  test('header names that differ only in letter case are refused, for the headers scheme and static headers', () => {
    expect(messages(parse({ type: 'headers', headers: { 'X-Api-Key': 'env:A', 'x-api-key': 'env:B' } }))).toEqual([
      'servers.s.auth.headers: the same header appears twice in different letter case; keep one',
    ]);
    const result = configSchema.safeParse({ servers: { s: { url: 'https://s.example/mcp', headers: { 'X-Tenant': 'a', 'x-tenant': 'b' }, auth: { type: 'none' } } } });
    expect(messages(result)).toEqual(['servers.s.headers: the same header appears twice in different letter case; keep one']);
  });

  test('the act-as user cannot be put in Authorization, where it would replace the token', () => {
    expect(messages(parse({ type: 'act-as', token: 'env:T', user: 'me@acme.com', header: 'authorization' }))).toEqual([
      'servers.s.auth.header: the act-as user cannot go in Authorization, which carries the token',
    ]);
  });

  test.each([['not-an-email'], ['me@'], ['@acme.com'], ['']])('act-as refuses user %j', (user) => {
    const result = parse({ type: 'act-as', token: 'env:T', user });
    expect(messages(result)).toEqual(['servers.s.auth.user: user must be the email of the user to act as, e.g. "me@acme.com"']);
  });

  test('act-as without a user names the field', () => {
    const result = parse({ type: 'act-as', token: 'env:T' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['servers.s.auth.user']);
  });

  test('act-as defaults its header to X-Glean-ActAs, and keeps a configured one', () => {
    expect(DEFAULT_ACT_AS_HEADER).toBe('X-Glean-ActAs');
    const defaulted = parse({ type: 'act-as', token: 'env:T', user: 'me@acme.com' });
    expect((defaulted.data?.servers.s as HttpServerConfig | undefined)?.auth).toEqual({ type: 'act-as', token: 'env:T', user: 'me@acme.com', header: 'X-Glean-ActAs' });
    const scio = parse({ type: 'act-as', token: 'env:T', user: 'me@acme.com', header: 'X-Scio-Actas' });
    expect((scio.data?.servers.s as HttpServerConfig | undefined)?.auth).toMatchObject({ header: 'X-Scio-Actas' });
  });

  test('act-as refuses a header name that is not an HTTP token', () => {
    expect(messages(parse({ type: 'act-as', token: 'env:T', user: 'me@acme.com', header: 'X Acting User' }))).toEqual([
      'servers.s.auth.header: not a valid HTTP header name',
    ]);
  });

  test('headers refuses an empty map, naming an example', () => {
    expect(messages(parse({ type: 'headers', headers: {} }))).toEqual([
      'servers.s.auth.headers: name at least one header, e.g. { "X-Api-Key": "keychain:NAME" }',
    ]);
  });

  test('headers refuses an invalid header name', () => {
    const result = parse({ type: 'headers', headers: { 'X Api Key': 'env:K' } });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('not a valid HTTP header name');
  });

  test('bearer refuses unknown fields (strict)', () => {
    const result = parse({ type: 'bearer', token: 'env:T', user: 'me@acme.com' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['user'] });
  });

  test('an unknown auth type lists every type', () => {
    expect(messages(parse({ type: 'basic', token: 'env:T' }))).toEqual([
      'servers.s.auth.type: auth.type must be one of: "hmac", "bearer", "headers", "act-as", "oauth", "sigv4", "httpsig", "none"',
    ]);
  });

  test('server-level headers and timeout parse: plain values and references, timeout as a duration', () => {
    const result = configSchema.safeParse({
      servers: { s: { url: URL_, timeout: '1m30s', headers: { 'X-Tenant': 'acme', 'X-Extra-Key': 'env:EXTRA' }, auth: { type: 'none' } } },
    });
    expect(messages(result)).toEqual([]);
    expect(result.data?.servers.s).toMatchObject({ timeout: 90_000, headers: { 'X-Tenant': 'acme', 'X-Extra-Key': 'env:EXTRA' } });
  });
});

describe('createSigner', () => {
  const ENV = { SEARCH_TOKEN: 'search-token-abc123', API_KEY: 'api-key-def456', TENANT_KEY: 'tenant-key-ghi789', GLEAN_TOKEN: 'glean-token-jkl012' };
  const secrets = new SecretResolver({ env: ENV, redactor: new Redactor() });
  const auth = (value: Record<string, unknown>) => {
    const parsed = configSchema.parse({ servers: { s: { url: URL_, auth: value } } });
    return (parsed.servers.s as HttpServerConfig).auth;
  };
  const signOnce = (signer: Awaited<ReturnType<typeof createSigner>>) =>
    signer.sign({ method: 'POST', url: new URL(URL_), headers: {}, identity: LOCAL_USER });

  test('bearer: Authorization: Bearer with the resolved token', async () => {
    const signer = await createSigner(auth({ type: 'bearer', token: 'env:SEARCH_TOKEN' }), { server: 's', secrets });
    expect(signer.type).toBe('bearer');
    expect(signer.needsBody).toBe(false);
    expect(signOnce(signer)).toEqual({ authorization: 'Bearer search-token-abc123' });
    expect([...signer.headerNames]).toEqual(['authorization']);
  });

  test('headers: every configured header with its own value, names lower-cased', async () => {
    const signer = await createSigner(auth({ type: 'headers', headers: { 'X-Api-Key': 'env:API_KEY', 'X-Tenant-Key': 'env:TENANT_KEY' } }), { server: 's', secrets });
    expect(signer.type).toBe('headers');
    expect(signOnce(signer)).toEqual({ 'x-api-key': 'api-key-def456', 'x-tenant-key': 'tenant-key-ghi789' });
    expect([...signer.headerNames].sort()).toEqual(['x-api-key', 'x-tenant-key']);
  });

  test('act-as, default header: Bearer token plus the configured user in x-glean-actas', async () => {
    const signer = await createSigner(auth({ type: 'act-as', token: 'env:GLEAN_TOKEN', user: 'me@acme.com' }), { server: 's', secrets });
    expect(signer.type).toBe('act-as');
    expect(signOnce(signer)).toEqual({ authorization: 'Bearer glean-token-jkl012', 'x-glean-actas': 'me@acme.com' });
    expect([...signer.headerNames].sort()).toEqual(['authorization', 'x-glean-actas']);
  });

  test('act-as, configured header: the user goes in that header only, lower-cased name', async () => {
    const signer = await createSigner(auth({ type: 'act-as', token: 'env:GLEAN_TOKEN', user: 'me@acme.com', header: 'X-Acting-User' }), { server: 's', secrets });
    expect(signOnce(signer)).toEqual({ authorization: 'Bearer glean-token-jkl012', 'x-acting-user': 'me@acme.com' });
    expect([...signer.headerNames].sort()).toEqual(['authorization', 'x-acting-user']);
    // The stripper built from headerNames removes an agent's copy of the custom header.
    const strip = createStripper(signer.headerNames);
    expect(strip({ 'x-acting-user': 'ceo@acme.com', 'x-glean-actas': 'ceo@acme.com', 'mcp-session-id': 'kept' })).toEqual({ 'mcp-session-id': 'kept' });
  });

  test('every resolved value is registered with the redactor', async () => {
    const own = new Redactor();
    const resolver = new SecretResolver({ env: ENV, redactor: own });
    await createSigner(auth({ type: 'act-as', token: 'env:GLEAN_TOKEN', user: 'me@acme.com' }), { server: 's', secrets: resolver });
    await createSigner(auth({ type: 'headers', headers: { 'X-Api-Key': 'env:API_KEY', 'X-Tenant-Key': 'env:TENANT_KEY' } }), { server: 's', secrets: resolver });
    expect(own.redact('glean-token-jkl012 api-key-def456 tenant-key-ghi789 me@acme.com')).toBe('[REDACTED] [REDACTED] [REDACTED] me@acme.com');
  });

  test('a missing env variable fails with the field path', async () => {
    const error = await createSigner(auth({ type: 'headers', headers: { 'X-Api-Key': 'env:NOT_SET_ANYWHERE' } }), { server: 's', secrets }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe('servers.s.auth.headers.X-Api-Key refers to environment variable NOT_SET_ANYWHERE, which is not set');
  });
});
