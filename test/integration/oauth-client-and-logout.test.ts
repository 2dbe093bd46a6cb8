// The client id choices and the way out: a configured client id skips
// dynamic registration, so does a client id metadata document where the
// server supports them (and only there); logout revokes the refresh token at the server and
// removes tokens and registration, after which the proxy asks for a login.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { signInWithCli } from '../helpers/oauth-login.js';
import { STATIC_CLIENT_ID } from '../helpers/oauth-server.js';
import { INITIALIZE, mcpHeaders, startOAuthBed, storedTokens, type OAuthBed, jsonOf } from '../helpers/oauth-proxy.js';

let bed: OAuthBed;
afterEach(async () => {
  await bed.close();
});

const METADATA_URL = 'https://mcp-auth-proxy.example/client-metadata.json';

/** The user config with one oauth server that names a client id metadata document. */
function configureMetadataDocument(): void {
  const dir = join(bed.home, 'config', 'mcp-auth-proxy');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ servers: { linear: { url: bed.as.mcpUrl, auth: { type: 'oauth', clientMetadataUrl: METADATA_URL } } } }));
}

test.each([
  [true, METADATA_URL, 0],
  [false, undefined, 1],
])('server supports client id metadata documents: %s → the document URL is the client id, else dynamic registration', async (supported, clientId, registrations) => {
  bed = await startOAuthBed({ clientIdMetadataDocuments: supported });
  configureMetadataDocument();
  const { result, authorizeUrl } = await signInWithCli(['linear', '--insecure-storage'], bed.env, bed.home);
  expect(result.code).toBe(0);
  expect(bed.as.counts.register).toBe(registrations);
  if (clientId) expect(authorizeUrl.searchParams.get('client_id')).toBe(clientId);
  else expect(authorizeUrl.searchParams.get('client_id')).not.toBe(METADATA_URL);
  expect((await storedTokens(bed.file)).accessToken).toBeTruthy();
});

test('a configured client id is used as is: no dynamic registration', async () => {
  bed = await startOAuthBed();
  const { result, authorizeUrl } = await bed.login(['--client-id', STATIC_CLIENT_ID, '--scope', 'mcp']);
  expect(result.code).toBe(0);
  expect(bed.as.counts.register).toBe(0);
  expect(authorizeUrl.searchParams.get('client_id')).toBe(STATIC_CLIENT_ID);
  expect(authorizeUrl.searchParams.get('scope')).toBe('mcp');
  // Recorded (without any secret) to bind the id to this issuer.
  expect(JSON.parse((await bed.file.get('oauth-client:linear')) as string)).toMatchObject({ clientId: STATIC_CLIENT_ID, issuer: bed.as.issuer, method: 'static' });
  expect((await storedTokens(bed.file)).accessToken).toBeTruthy();
});

test('logout revokes the refresh token and removes everything; the proxy then wants a login', async () => {
  bed = await startOAuthBed();
  expect((await bed.login()).result.code).toBe(0);
  const tokens = await storedTokens(bed.file);
  const proxy = await bed.startProxy();
  const result = await runCli(['logout', 'linear'], { env: cleanEnv(bed.env), cwd: bed.home });
  expect(result.code).toBe(0);
  expect(result.stderr).toContain('revoked the refresh token');
  expect(result.stdout).toContain('removed its tokens and client registration');
  expect(result.stdout + result.stderr).not.toContain(tokens.refreshToken as string);
  expect(await bed.file.get('oauth-tokens:linear')).toBeUndefined();
  expect(await bed.file.get('oauth-client:linear')).toBeUndefined();
  // The revoked grant cannot be refreshed any more: a 401 upstream becomes the login hint.
  bed.as.revokeAccessTokens();
  const response = await fetch(`${proxy.url}/linear/mcp`, { method: 'POST', headers: mcpHeaders, body: INITIALIZE });
  expect(response.status).toBe(503);
  expect((await jsonOf(response)).error.message).toContain('mcp-auth-proxy login linear');
});
