// OAuth end to end against a real authorization server: `login --no-browser`
// completes when the printed URL is followed (PKCE S256, state, resource,
// dynamic registration asking for refresh_token), the tokens land in the
// store, and an SDK client lists and calls tools through the proxy.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { TEST_SUBJECT } from '../helpers/oauth-server.js';
import { INITIALIZE, mcpHeaders, startOAuthBed, storedTokens, type OAuthBed } from '../helpers/oauth-proxy.js';

let bed: OAuthBed;
beforeEach(async () => {
  bed = await startOAuthBed();
});
afterEach(async () => {
  await bed.close();
});

test('login --no-browser signs in through the printed URL; the proxy then serves the tools', async () => {
  const { result, authorizeUrl, page } = await bed.login();
  expect(result.stderr).not.toMatch(/error:/i);
  expect(result.code).toBe(0);
  expect(page.status).toBe(200);
  expect(page.text).toContain('signed in to linear');
  expect(result.stdout).toContain(`accepted the token`);
  // A new server: no daemon runs here, so start one (a running one would need a reload to serve it).
  expect(result.stdout).toContain('Next: `mcp-auth-proxy start`, then point your agent at http://127.0.0.1:8787/linear/mcp.');

  const params = authorizeUrl.searchParams;
  expect(params.get('code_challenge_method')).toBe('S256');
  expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(params.get('resource')).toBe(bed.as.mcpUrl);
  expect(params.get('state')?.length).toBeGreaterThan(20);
  expect(params.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
  expect(bed.as.registrations).toHaveLength(1);
  expect(bed.as.registrations[0]).toMatchObject({ grant_types: ['authorization_code', 'refresh_token'], application_type: 'native', token_endpoint_auth_method: 'none' });
  const codeGrant = bed.as.tokenRequests.find((r) => r.grant_type === 'authorization_code');
  expect(codeGrant).toMatchObject({ resource: bed.as.mcpUrl, client_id: params.get('client_id') });
  expect(codeGrant?.code_verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);

  const tokens = await storedTokens(bed.file);
  expect(tokens.refreshToken).toBeTruthy();
  const config = readFileSync(join(bed.home, 'config', 'mcp-auth-proxy', 'config.json'), 'utf8');
  expect(JSON.parse(config).servers.linear).toEqual({ url: bed.as.mcpUrl, auth: { type: 'oauth' } });
  expect(config).not.toContain(tokens.accessToken);
  expect(result.stdout + result.stderr).not.toContain(tokens.accessToken);
  expect(result.stdout + result.stderr).not.toContain(tokens.refreshToken as string);

  const proxy = await bed.startProxy();
  const client = new Client({ name: 'agent', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/linear/mcp`), { requestInit: { headers: { authorization: 'Bearer agent-token' } } }));
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name)).toContain('whoami');
  const call = await client.callTool({ name: 'whoami', arguments: {} });
  expect(JSON.stringify(call.content)).toContain(TEST_SUBJECT);
  await client.close();
  // Every request upstream carried the proxy's token, never the agent's.
  expect(bed.as.mcpAuthorizations.slice(-3).every((a) => a === `Bearer ${tokens.accessToken}`)).toBe(true);
  expect(bed.as.mcpAuthorizations).not.toContain('Bearer agent-token');
  expect(proxy.logs.text).not.toContain(tokens.accessToken);
});

test('a second login reuses the registration and the proxy picks the new tokens up without a restart', async () => {
  expect((await bed.login()).result.code).toBe(0);
  const proxy = await bed.startProxy();
  const first = await storedTokens(bed.file);
  bed.as.revokeRefreshTokens();
  bed.as.revokeAccessTokens();
  const refused = await fetch(`${proxy.url}/linear/mcp`, { method: 'POST', headers: mcpHeaders, body: INITIALIZE });
  expect(refused.status).toBe(503);
  expect(await refused.text()).toContain('mcp-auth-proxy login linear');

  expect((await bed.login()).result.code).toBe(0);
  expect(bed.as.registrations).toHaveLength(1);
  expect((await storedTokens(bed.file)).accessToken).not.toBe(first.accessToken);
  const after = await fetch(`${proxy.url}/linear/mcp`, { method: 'POST', headers: mcpHeaders, body: INITIALIZE });
  expect(after.status).toBe(200);
});
