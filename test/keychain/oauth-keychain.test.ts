// OAuth against a real Secret Service: login keeps tokens and the client
// registration in gnome-keyring (secret-tool reads them back, no file store
// is written), a running proxy refreshes and writes the rotated token back
// there, and logout removes both entries.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { signInWithCli } from '../helpers/oauth-login.js';
import { startOAuthServer, type TestOAuthServer } from '../helpers/oauth-server.js';
import { KeychainStore } from '../../src/secrets/keychain.js';
import { FileStore } from '../../src/secrets/file-store.js';
import { startTestProxy } from '../helpers/proxy.js';
import { INITIALIZE, mcpHeaders } from '../helpers/oauth-proxy.js';

const lookup = (account: string) => {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', 'mcp-auth-proxy', 'username', account], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
};

let as: TestOAuthServer;
afterEach(async () => {
  await as.close();
});

test('tokens and registration live in the keychain; the proxy refreshes into it; logout clears it', async () => {
  as = await startOAuthServer();
  const home = mkdtempSync(join(tmpdir(), 'map-oauth-keychain-'));
  // The suite's D-Bus session and keyring come from the environment run.sh set up.
  const env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS });
  const server = `oauth-${Date.now()}`;
  const { result } = await signInWithCli([server, '--url', as.mcpUrl, '--type', 'oauth'], env, home);
  expect(result.stderr).not.toMatch(/error:/);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('Tokens are in the OS keychain');
  const stored = JSON.parse(lookup(`oauth-tokens:${server}`) ?? '{}');
  expect(stored).toMatchObject({ issuer: as.issuer, resource: as.mcpUrl });
  expect(JSON.parse(lookup(`oauth-client:${server}`) ?? '{}')).toMatchObject({ method: 'dynamic', issuer: as.issuer });
  const file = new FileStore(join(home, 'config', 'mcp-auth-proxy', 'secrets.insecure.json'));
  expect(existsSync(file.path)).toBe(false);

  const proxy = await startTestProxy({ servers: { [server]: { url: as.mcpUrl, auth: { type: 'oauth' } } } }, {}, { stores: { keychain: new KeychainStore(), file } });
  try {
    as.revokeAccessTokens();
    const response = await fetch(`${proxy.url}/${server}/mcp`, { method: 'POST', headers: mcpHeaders, body: INITIALIZE });
    expect(response.status).toBe(200);
    expect(as.counts.refreshGrants).toBe(1);
    const rotated = JSON.parse(lookup(`oauth-tokens:${server}`) ?? '{}');
    expect(rotated.refreshToken).not.toBe(stored.refreshToken);
    expect(rotated.accessToken).not.toBe(stored.accessToken);
  } finally {
    await proxy.close();
  }

  const logout = await runCli(['logout', server], { env, cwd: home });
  expect(logout.code).toBe(0);
  expect(lookup(`oauth-tokens:${server}`)).toBeUndefined();
  expect(lookup(`oauth-client:${server}`)).toBeUndefined();
});
