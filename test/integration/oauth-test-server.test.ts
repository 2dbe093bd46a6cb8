// Self-test of test/helpers/oauth-server.ts with plain fetch: DCR, PKCE authorize, code exchange,
// bearer-protected MCP, refresh rotation and revocation, so OAuth client tests can trust it.
import { createHash, randomBytes } from 'node:crypto';
import { startOAuthServer, TEST_SUBJECT, type TestOAuthServer } from '../helpers/oauth-server.js';

const REDIRECT_URI = 'http://127.0.0.1:1234/callback';
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
};

let as: TestOAuthServer;
beforeEach(async () => {
  as = await startOAuthServer();
});
afterEach(() => as.close());

async function register(): Promise<string> {
  const res = await fetch(`${as.issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none', application_type: 'native' }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { client_id: string }).client_id;
}

/** Runs /authorize as a browser would and returns the redirect's query parameters plus the PKCE verifier. */
async function authorize(clientId: string): Promise<{ params: URLSearchParams; verifier: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: 'st-1',
    resource: as.mcpUrl,
  });
  const res = await fetch(`${as.issuer}/authorize?${query}`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location') ?? '');
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
  return { params: location.searchParams, verifier };
}

function token(form: Record<string, string>): Promise<Response> {
  return fetch(`${as.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
}

function mcp(body: unknown, accessToken?: string): Promise<Response> {
  const auth: Record<string, string> = accessToken ? { authorization: `Bearer ${accessToken}` } : {};
  return fetch(as.mcpUrl, { method: 'POST', headers: { ...MCP_HEADERS, ...auth }, body: JSON.stringify(body) });
}

test('advertises itself with the exact issuer, PKCE S256 and the iss parameter', async () => {
  const metadata = (await (await fetch(`${as.issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
  expect(metadata).toMatchObject({ issuer: as.issuer, code_challenge_methods_supported: ['S256'], authorization_response_iss_parameter_supported: true });
  const prm = (await (await fetch(`${as.issuer}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
  expect(prm).toEqual({ resource: as.mcpUrl, authorization_servers: [as.issuer] });
});

test('runs the whole authorization-code + PKCE + refresh flow against a protected MCP server', async () => {
  const clientId = await register();
  expect(as.registrations).toEqual([expect.objectContaining({ application_type: 'native', redirect_uris: [REDIRECT_URI] })]);

  const { params, verifier } = await authorize(clientId);
  expect(params.get('state')).toBe('st-1');
  expect(params.get('iss')).toBe(as.issuer);
  const code = params.get('code') ?? '';
  expect(code).not.toBe('');
  expect(as.authorizeRequests[0]).toMatchObject({ code_challenge_method: 'S256', resource: as.mcpUrl });

  const granted = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id: clientId, resource: as.mcpUrl });
  expect(granted.status).toBe(200);
  const tokens = (await granted.json()) as { access_token: string; refresh_token: string; expires_in: number };
  expect(tokens.expires_in).toBe(3600);
  expect(as.tokenRequests[0]).toMatchObject({ code_verifier: verifier, resource: as.mcpUrl });

  expect((await mcp(INITIALIZE, tokens.access_token)).status).toBe(200);
  const call = await mcp({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, tokens.access_token);
  expect(await call.text()).toContain(`whoami: ${TEST_SUBJECT}`);

  const anonymous = await mcp(INITIALIZE);
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get('www-authenticate')).toContain(`resource_metadata="${as.issuer}/.well-known/oauth-protected-resource/mcp"`);
  expect(as.mcpAuthorizations).toEqual([`Bearer ${tokens.access_token}`, `Bearer ${tokens.access_token}`, undefined]);

  const refreshed = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId, resource: as.mcpUrl });
  expect(refreshed.status).toBe(200);
  const next = (await refreshed.json()) as { access_token: string; refresh_token: string };
  expect(as.counts.refreshGrants).toBe(1);
  expect(next.refresh_token).not.toBe(tokens.refresh_token);
  expect((await mcp(INITIALIZE, next.access_token)).status).toBe(200);

  const replayed = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId });
  expect(replayed.status).toBe(400);
  expect(await replayed.json()).toMatchObject({ error: 'invalid_grant' });

  as.revokeRefreshTokens();
  const revoked = await token({ grant_type: 'refresh_token', refresh_token: next.refresh_token, client_id: clientId });
  expect(revoked.status).toBe(400);
  expect(await revoked.json()).toMatchObject({ error: 'invalid_grant' });

  as.revokeAccessTokens();
  expect((await mcp(INITIALIZE, next.access_token)).status).toBe(401);
  expect(as.counts).toMatchObject({ register: 1, authorize: 1, authorizationCodeGrants: 1, rejectedTokens: 1 });
});

test('refuses a wrong PKCE verifier and tokens requested without the resource', async () => {
  const clientId = await register();
  const first = await authorize(clientId);
  const wrong = await token({ grant_type: 'authorization_code', code: first.params.get('code') ?? '', code_verifier: randomBytes(32).toString('base64url'), client_id: clientId, resource: as.mcpUrl });
  expect(wrong.status).toBe(400);
  expect(await wrong.json()).toMatchObject({ error: 'invalid_grant' });

  const second = await authorize(clientId);
  const unbound = await token({ grant_type: 'authorization_code', code: second.params.get('code') ?? '', code_verifier: second.verifier, client_id: clientId });
  expect(unbound.status).toBe(400);
  expect(await unbound.json()).toMatchObject({ error: 'invalid_target' });
});

test('fails the next token requests with 503 on demand', async () => {
  as.failTokenRequests(1);
  expect((await token({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'static-test-client' })).status).toBe(503);
  expect((await token({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'static-test-client' })).status).toBe(400);
  expect(as.tokenRequests).toHaveLength(2);
});
