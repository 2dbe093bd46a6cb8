// Small OAuth pieces with rules of their own: the browser opens only http(s)
// URLs, the resource is in RFC 8707 canonical form, a refresh without a new
// refresh token keeps the old one, and only bearer tokens are accepted.
import { openBrowser } from '../../src/oauth/browser.js';
import { canonicalResource } from '../../src/oauth/resource.js';
import { tokensFrom } from '../../src/oauth/tokens.js';
import { clientAuth } from '../../src/oauth/client.js';

test('a URL from server metadata that is not http(s) is never handed to the OS', async () => {
  expect(await openBrowser('file:///etc/passwd')).toBe(false);
  expect(await openBrowser('javascript:alert(1)')).toBe(false);
  expect(await openBrowser('smb://attacker.example/share')).toBe(false);
});

test('canonical resource: no fragment, a bare origin without the trailing slash, paths as given', () => {
  expect(canonicalResource('https://MCP.Example.com/')).toBe('https://mcp.example.com');
  expect(canonicalResource('https://mcp.example.com/mcp#frag')).toBe('https://mcp.example.com/mcp');
  expect(canonicalResource('https://mcp.example.com:8443/api/mcp')).toBe('https://mcp.example.com:8443/api/mcp');
});

const as = { issuer: 'https://as.example', token_endpoint: 'https://as.example/token' };

test('a refresh response without a refresh token keeps the previous one; expiry is absolute', () => {
  const previous = tokensFrom('s', { access_token: 'a1', token_type: 'bearer', refresh_token: 'r1', expires_in: 60 }, { as, clientId: 'c', resource: 'https://mcp.example/mcp', now: 1_000 });
  expect(previous).toMatchObject({ refreshToken: 'r1', expiresAt: 61_000, obtainedAt: 1_000 });
  expect(previous.lastRefreshAt).toBeUndefined();
  const next = tokensFrom('s', { access_token: 'a2', token_type: 'bearer', expires_in: 60 }, { as, clientId: 'c', resource: 'https://mcp.example/mcp', now: 50_000, previous });
  expect(next).toMatchObject({ accessToken: 'a2', refreshToken: 'r1', expiresAt: 110_000, lastRefreshAt: 50_000 });
});

test('only bearer tokens: a DPoP-bound token is refused with the reason', () => {
  expect(() => tokensFrom('linear', { access_token: 'a', token_type: 'dpop' }, { as, clientId: 'c', resource: 'r', now: 0 })).toThrow(
    'linear: the authorization server issued a "dpop" token; only bearer tokens are supported',
  );
});

test('client authentication: public clients send their id; a secret goes in basic auth unless only post is supported', async () => {
  const applied = async (record: Parameters<typeof clientAuth>[0], server: Parameters<typeof clientAuth>[1]) => {
    const [client, auth] = clientAuth(record, server);
    const body = new URLSearchParams();
    const headers = new Headers();
    await auth(server, client, body, headers);
    return { body: Object.fromEntries(body), authorization: headers.get('authorization') };
  };
  expect(await applied({ clientId: 'c' }, as)).toEqual({ body: { client_id: 'c' }, authorization: null });
  expect(await applied({ clientId: 'c', clientSecret: 'x' }, as)).toEqual({ body: {}, authorization: `Basic ${Buffer.from('c:x').toString('base64')}` });
  expect(await applied({ clientId: 'c', clientSecret: 'x' }, { ...as, token_endpoint_auth_methods_supported: ['client_secret_post'] })).toEqual({
    body: { client_id: 'c', client_secret: 'x' },
    authorization: null,
  });
});
