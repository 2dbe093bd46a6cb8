// The proxy keeps an OAuth login alive for every agent: access tokens that
// expire in two seconds are refreshed ahead of time across several expiries,
// a 401 triggers exactly one refresh however many requests are waiting, 5xx
// from the token endpoint is retried, and a revoked grant becomes the 503
// login hint.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { eventually } from '../helpers/net.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { TEST_SUBJECT } from '../helpers/oauth-server.js';
import { INITIALIZE, mcpHeaders, startOAuthBed, storedTokens, type OAuthBed, jsonOf } from '../helpers/oauth-proxy.js';

let bed: OAuthBed;
afterEach(async () => {
  await bed.close();
});

const post = (url: string) => fetch(`${url}/linear/mcp`, { method: 'POST', headers: mcpHeaders, body: INITIALIZE });

test('two-second tokens: the proxy keeps working across several expiries, refreshing ahead of each', async () => {
  bed = await startOAuthBed({ accessTokenTtlSeconds: 2 });
  expect((await bed.login()).result.code).toBe(0);
  const first = await storedTokens(bed.file);
  const proxy = await bed.startProxy();
  const client = new Client({ name: 'agent', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${proxy.url}/linear/mcp`)));
  for (let expiry = 1; expiry <= 3; expiry++) {
    await eventually(() => bed.as.counts.refreshGrants >= expiry, 1000);
    const call = await client.callTool({ name: 'whoami', arguments: {} });
    expect(JSON.stringify(call.content)).toContain(TEST_SUBJECT);
  }
  await client.close();
  // Refreshed before expiry: no request ever went up with a lapsed token.
  expect(bed.as.counts.rejectedTokens).toBe(0);
  // Each rotated refresh token was saved; the one in the store is the newest.
  const stored = await storedTokens(bed.file);
  expect(stored.refreshToken).not.toBe(first.refreshToken);
  const lastRefresh = bed.as.tokenRequests.filter((r) => r.grant_type === 'refresh_token').at(-1);
  expect(lastRefresh?.resource).toBe(bed.as.mcpUrl);
  const status = await jsonOf(await fetch(`${proxy.url}/statusz`));
  expect(status.servers.linear.oauth).toMatchObject({ loggedIn: true, state: 'ok' });
  expect(Date.parse(status.servers.linear.oauth.lastRefreshAt)).toBeGreaterThan(0);
  expect(JSON.stringify(status)).not.toContain(stored.accessToken);
});

test('concurrent requests that meet a 401 cause exactly one refresh, and all succeed on retry', async () => {
  bed = await startOAuthBed();
  expect((await bed.login()).result.code).toBe(0);
  const proxy = await bed.startProxy();
  bed.as.revokeAccessTokens();
  bed.as.setTokenDelay(300);
  const responses = await Promise.all(Array.from({ length: 8 }, () => post(proxy.url)));
  expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
  expect(bed.as.counts.refreshGrants).toBe(1);
  expect(bed.as.counts.rejectedTokens).toBe(8);
});

test('a 5xx from the token endpoint is retried with backoff', async () => {
  bed = await startOAuthBed();
  expect((await bed.login()).result.code).toBe(0);
  const proxy = await bed.startProxy();
  bed.as.revokeAccessTokens();
  bed.as.failTokenRequests(2);
  const response = await post(proxy.url);
  expect(response.status).toBe(200);
  expect(bed.as.tokenRequests.filter((r) => r.grant_type === 'refresh_token')).toHaveLength(3);
  expect(bed.as.counts.refreshGrants).toBe(1);
  expect(proxy.logs.text).toContain('token refresh failed; retrying');
  // /metrics counts every attempt by result, and the upstream's 401 as a credential rejection.
  const { samples } = parsePrometheus(await (await fetch(`${proxy.url}/metrics`)).text());
  expect(sampleValue(samples, 'mcp_proxy_token_refreshes_total', { server: 'linear', result: 'failed' })).toBe(2);
  expect(sampleValue(samples, 'mcp_proxy_token_refreshes_total', { server: 'linear', result: 'ok' })).toBe(1);
  expect(sampleValue(samples, 'mcp_proxy_credential_rejections_total', { server: 'linear', status: '401' })).toBeUndefined();
});

test('a revoked refresh token turns into a 503 JSON-RPC error that says to log in again', async () => {
  bed = await startOAuthBed({ accessTokenTtlSeconds: 2 });
  expect((await bed.login()).result.code).toBe(0);
  const proxy = await bed.startProxy();
  expect((await post(proxy.url)).status).toBe(200);
  bed.as.revokeRefreshTokens();
  // The refresh ahead of expiry fails with invalid_grant; requests then get the hint.
  await eventually(() => proxy.logs.text.includes('login required'), 1000);
  const response = await post(proxy.url);
  expect(response.status).toBe(503);
  const body = await jsonOf(response);
  expect(body).toMatchObject({ jsonrpc: '2.0', id: 1, error: { data: { code: 'LOGIN_REQUIRED', server: 'linear' } } });
  expect(body.error.message).toContain('mcp-auth-proxy login linear');
  const ready = await fetch(`${proxy.url}/readyz`);
  expect(ready.status).toBe(503);
  expect((await jsonOf(ready)).servers.linear.ready).toBe(false);
});

test('not signed in: 503 naming the login command, and nothing is sent upstream', async () => {
  bed = await startOAuthBed();
  const proxy = await bed.startProxy();
  const response = await post(proxy.url);
  expect(response.status).toBe(503);
  expect((await jsonOf(response)).error.message).toMatch(/not signed in to "linear".*mcp-auth-proxy login linear/);
  expect(bed.as.counts.mcpRequests).toBe(0);
});
