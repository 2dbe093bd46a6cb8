// The OAuth client where things go wrong: plain-http endpoints refused, a
// pre-registered client id kept to its issuer, tokens never sent to another
// URL, no refresh loop for month-long tokens or for an upstream that refuses
// every token, refreshed tokens kept when saving them fails, a newer login
// in the store winning over the proxy's own, tokens without refresh tokens
// used until they lapse, and the redirect pasted by hand over SSH.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, cleanEnv, runCli } from '../helpers/cli.js';
import { eventually } from '../helpers/net.js';
import { STATIC_CLIENT_ID, startOAuthServer, type TestOAuthServer } from '../helpers/oauth-server.js';
import { INITIALIZE, jsonOf, mcpHeaders, startOAuthBed, storedTokens, type OAuthBed } from '../helpers/oauth-proxy.js';
import type { SecretStore } from '../../src/secrets/store.js';

let bed: OAuthBed;
let other: TestOAuthServer | undefined;
afterEach(async () => {
  await bed.close();
  await other?.close();
  other = undefined;
});

const post = (url: string) => fetch(`${url}/linear/mcp`, { method: 'POST', headers: mcpHeaders, body: INITIALIZE });
const cli = (args: string[]) => runCli(args, { env: cleanEnv(bed.env), cwd: bed.home });

function writeUserConfig(servers: Record<string, unknown>): void {
  const dir = join(bed.home, 'config', 'mcp-auth-proxy');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ servers }));
}

test('OAuth over plain http is refused off loopback: the MCP URL, and any endpoint in the metadata', async () => {
  bed = await startOAuthBed({ metadataOverrides: { token_endpoint: 'http://192.0.2.10/token' } });
  const endpoint = await cli(['login', 'linear', '--url', bed.as.mcpUrl, '--type', 'oauth', '--insecure-storage', '--no-browser']);
  expect(endpoint.code).toBe(1);
  expect(endpoint.stderr).toContain('the token endpoint http://192.0.2.10/token is not https; OAuth over it is refused');
  expect(bed.as.counts.authorize).toBe(0);
  const server = await cli(['login', 'remote', '--url', 'http://192.0.2.10/mcp', '--type', 'oauth', '--insecure-storage', '--no-browser']);
  expect(server.code).toBe(1);
  expect(server.stderr).toContain('the MCP server URL http://192.0.2.10/mcp is not https');
});

test('a pre-registered client id stays with the issuer it was first used with', async () => {
  bed = await startOAuthBed();
  expect((await bed.login(['--client-id', STATIC_CLIENT_ID])).result.code).toBe(0);
  other = await startOAuthServer();
  writeUserConfig({ linear: { url: other.mcpUrl, auth: { type: 'oauth', clientId: STATIC_CLIENT_ID } } });
  const moved = await cli(['login', 'linear', '--insecure-storage', '--no-browser']);
  expect(moved.code).toBe(1);
  expect(moved.stderr).toContain(`client id ${STATIC_CLIENT_ID} was first used with ${bed.as.issuer}, but the server now names ${other.issuer}`);
  expect(other.counts.authorize).toBe(0);
});

test('a token issued for one URL is not sent to another', async () => {
  bed = await startOAuthBed();
  expect((await bed.login()).result.code).toBe(0);
  const proxy = await bed.startProxy({ url: `${bed.as.issuer}/elsewhere/mcp` });
  const response = await post(proxy.url);
  expect(response.status).toBe(503);
  expect((await jsonOf(response)).error.message).toContain(`was issued for ${bed.as.mcpUrl}, not ${bed.as.issuer}/elsewhere/mcp`);
  expect(bed.as.mcpAuthorizations.filter((a) => a !== undefined)).toHaveLength(1); // login's own check only
});

test('a token that lives 40 days schedules no refresh now (no timer overflow loop)', async () => {
  bed = await startOAuthBed({ accessTokenTtlSeconds: 40 * 24 * 3600 });
  expect((await bed.login()).result.code).toBe(0);
  const proxy = await bed.startProxy();
  for (let i = 0; i < 5; i++) expect((await post(proxy.url)).status).toBe(200);
  expect(bed.as.counts.refreshGrants).toBe(0);
  expect(bed.as.tokenRequests.filter((r) => r.grant_type === 'refresh_token')).toHaveLength(0);
});

test('an upstream that refuses every token gets one refresh, then its 401 is relayed: no loop', async () => {
  bed = await startOAuthBed();
  expect((await bed.login()).result.code).toBe(0);
  const proxy = await bed.startProxy();
  bed.as.rejectAllTokens(true);
  const first = await post(proxy.url);
  expect(first.status).toBe(401);
  expect(first.headers.get('www-authenticate')).toBeNull();
  for (let i = 0; i < 3; i++) expect((await post(proxy.url)).status).toBe(401);
  expect(bed.as.counts.refreshGrants).toBe(1);
});

test('refreshed tokens are used even when saving them fails; the rotated refresh token is never sent twice', async () => {
  bed = await startOAuthBed();
  expect((await bed.login()).result.code).toBe(0);
  const readOnly: SecretStore = {
    label: 'read-only store',
    get: (account) => bed.file.get(account),
    set: () => Promise.reject(new Error('the store refused the write')),
    delete: (account) => bed.file.delete(account),
  };
  const proxy = await bed.startProxy({ store: readOnly });
  for (let round = 1; round <= 2; round++) {
    bed.as.revokeAccessTokens();
    expect((await post(proxy.url)).status).toBe(200);
    expect(bed.as.counts.refreshGrants).toBe(round);
  }
  const used = bed.as.tokenRequests.filter((r) => r.grant_type === 'refresh_token').map((r) => r.refresh_token);
  expect(new Set(used).size).toBe(2);
  expect(proxy.logs.text).toContain('could not save the refreshed tokens');
  const status = await jsonOf(await fetch(`${proxy.url}/statusz`));
  expect(status.servers.linear.oauth.lastRefreshError).toContain('could not save the tokens');
});

test('a newer login in the store wins over the token the proxy holds, without a refresh', async () => {
  bed = await startOAuthBed();
  expect((await bed.login()).result.code).toBe(0);
  const proxy = await bed.startProxy();
  expect((await post(proxy.url)).status).toBe(200);
  bed.as.revokeAccessTokens();
  expect((await bed.login()).result.code).toBe(0);
  const second = await storedTokens(bed.file);
  // The proxy's token is revoked: the 401 makes it look in the store, where the new login is.
  expect((await post(proxy.url)).status).toBe(200);
  expect(bed.as.counts.refreshGrants).toBe(0);
  expect(bed.as.mcpAuthorizations.at(-1)).toBe(`Bearer ${second.accessToken}`);
  expect(await storedTokens(bed.file)).toEqual(second);
});

test('without refresh tokens the access token is used until it lapses, then requests ask for a login', async () => {
  bed = await startOAuthBed({ accessTokenTtlSeconds: 2, issueRefreshTokens: false });
  const { result } = await bed.login();
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('no refresh token was issued');
  const proxy = await bed.startProxy();
  expect((await post(proxy.url)).status).toBe(200);
  let last: Response | undefined;
  await eventually(() => last?.status === 503, 1000, async () => {
    last = await post(proxy.url);
  });
  expect((await jsonOf(last as Response)).error.message).toContain('expired and the authorization server issued no refresh token');
  expect(bed.as.tokenRequests.filter((r) => r.grant_type === 'refresh_token')).toHaveLength(0);
});

test('--no-browser over SSH: the address the remote browser lands on can be pasted instead', async () => {
  bed = await startOAuthBed();
  const child = spawn(process.execPath, [BIN, 'login', 'linear', '--url', bed.as.mcpUrl, '--type', 'oauth', '--insecure-storage', '--no-browser'], {
    env: cleanEnv(bed.env),
    cwd: bed.home,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  const printed = await new Promise<string>((resolve) => {
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      const match = /^\s+(https?:\/\/\S+)$/m.exec(stderr);
      if (match && stderr.includes('paste here')) resolve(match[1] as string);
    });
  });
  const landing = (await fetch(printed, { redirect: 'manual' })).headers.get('location') as string;
  // The "browser" is elsewhere: it never reaches the loopback port; the user pastes the address instead.
  child.stdin.write('not a url\n');
  child.stdin.write(`${landing}\n`);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(stderr).toContain('That is not the address this sign-in is waiting for');
  expect(code).toBe(0);
  expect(stdout).toContain('Signed in to "linear"');
  expect((await storedTokens(bed.file)).accessToken).toBeTruthy();
});
