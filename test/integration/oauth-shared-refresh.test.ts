// OAuth upstream tokens shared by replicas through a real Redis: `login`
// with a config that names the Redis stores the tokens there (not in the
// keychain or a file), two proxies that meet a 401 at the same moment make
// one refresh between them (the refresh token is spent once, under the Redis
// lock), both answer 200 with the new token, the rotated tokens are saved
// where both read them, and `logout` removes them from Redis.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileStore } from '../../src/secrets/file-store.js';
import { silentLogger } from '../../src/observability/logger.js';
import { connectRedis } from '../../src/state/redis.js';
import { sharedOAuth } from '../../src/state/shared-oauth.js';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { INITIALIZE, mcpHeaders, NO_KEYCHAIN, startOAuthBed, type OAuthBed } from '../helpers/oauth-proxy.js';
import { startTestProxy, type TestProxy } from '../helpers/proxy.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

let bed: OAuthBed;
let redis: TestRedis;
const proxies: TestProxy[] = [];

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await bed.close();
  await redis.close();
});

test('two replicas meeting a 401 at once make one refresh, and both go on with the new token', async () => {
  bed = await startOAuthBed();
  redis = await startRedis();
  // The user's config names the shared Redis; login --url adds the server to it.
  mkdirSync(join(bed.home, 'config', 'mcp-auth-proxy'), { recursive: true, mode: 0o700 });
  writeFileSync(join(bed.home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ redis: { url: redis.url, replicas: 2 } }), { mode: 0o600 });
  const login = await bed.login();
  expect(login.result.code).toBe(0);
  expect(login.result.stdout).toContain('Tokens are in the Redis');
  const shared = connectRedis({ url: redis.url, keyPrefix: 'mcp-auth-proxy:', replicas: 2 }, { logger: silentLogger() });
  await shared.whenReady(5_000);
  const store = sharedOAuth(shared).store;
  expect(await store.get('oauth-tokens:linear')).toBeDefined();
  await expect(bed.file.get('oauth-tokens:linear')).resolves.toBeUndefined();
  const empty = new FileStore(`${bed.home}/nothing-here.json`);
  for (let i = 0; i < 2; i++) {
    proxies.push(await startTestProxy({ redis: { url: redis.url, replicas: 2 }, servers: { linear: { url: bed.as.mcpUrl, auth: { type: 'oauth' } } } }, {}, { stores: { keychain: NO_KEYCHAIN, file: empty } }));
  }
  const before = JSON.parse((await store.get('oauth-tokens:linear')) as string) as { refreshToken: string };

  bed.as.revokeAccessTokens();
  bed.as.setTokenDelay(300);
  const responses = await Promise.all(proxies.flatMap((p) => Array.from({ length: 4 }, () => fetch(`${p.url}/linear/mcp`, { method: 'POST', headers: mcpHeaders, body: INITIALIZE, signal: AbortSignal.timeout(15_000) }))));
  expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
  expect(bed.as.counts.refreshGrants).toBe(1);
  expect(bed.as.tokenRequests.filter((r) => r.grant_type === 'refresh_token').map((r) => r.refresh_token)).toEqual([before.refreshToken]);
  const after = JSON.parse((await store.get('oauth-tokens:linear')) as string) as { refreshToken: string };
  expect(after.refreshToken).not.toBe(before.refreshToken);
  // Nothing went to the replicas' own stores.
  await expect(empty.get('oauth-tokens:linear')).resolves.toBeUndefined();
  await expect(bed.file.get('oauth-tokens:linear')).resolves.toBeUndefined();

  const logout = await runCli(['logout', 'linear'], { env: { ...cleanEnv(), ...bed.env }, cwd: bed.home });
  expect(logout.code).toBe(0);
  expect(logout.stdout).toContain('removed its tokens and client registration from the Redis');
  await expect(store.get('oauth-tokens:linear')).resolves.toBeUndefined();
  await shared.close();
});
