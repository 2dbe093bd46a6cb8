// An OAuth test bed: a user's home with no keychain (D-Bus pointed nowhere,
// so `login --insecure-storage` uses the 0600 file store), the test
// authorization server, and an in-process proxy reading the same file store.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretError } from '../../src/errors.js';
import { FileStore } from '../../src/secrets/file-store.js';
import type { SecretStore } from '../../src/secrets/store.js';
import { startOAuthServer, type OAuthServerOptions, type TestOAuthServer } from './oauth-server.js';
import { signInWithCli, type SignIn } from './oauth-login.js';
import { startTestProxy, type TestProxy } from './proxy.js';

export interface OAuthBed {
  as: TestOAuthServer;
  home: string;
  env: NodeJS.ProcessEnv;
  file: FileStore;
  login(extra?: string[], tamper?: (redirect: URL) => void): Promise<SignIn>;
  /** A proxy serving `linear` at `url` (default: the server's MCP URL) from `store` (default: the file store). */
  startProxy(options?: { url?: string; store?: SecretStore; transport?: 'sse' }): Promise<TestProxy>;
  close(): Promise<void>;
}

/**
 * Stands in for the OS keychain of a machine that has none, the way
 * @napi-rs/keyring reports it; the keychain suite covers the real one.
 */
export const NO_KEYCHAIN: SecretStore = {
  label: 'OS keychain',
  get: () => Promise.reject(new SecretError('KEYCHAIN_UNAVAILABLE', 'no keychain in this test', '')),
  set: () => Promise.reject(new SecretError('KEYCHAIN_UNAVAILABLE', 'no keychain in this test', '')),
  delete: () => Promise.reject(new SecretError('KEYCHAIN_UNAVAILABLE', 'no keychain in this test', '')),
};

export async function startOAuthBed(options: OAuthServerOptions = {}): Promise<OAuthBed> {
  const as = await startOAuthServer(options);
  const home = mkdtempSync(join(tmpdir(), 'map-oauth-'));
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' };
  const file = new FileStore(join(home, 'config', 'mcp-auth-proxy', 'secrets.insecure.json'));
  const proxies: TestProxy[] = [];
  return {
    as,
    home,
    env,
    file,
    login: (extra = [], tamper) => signInWithCli(['linear', '--url', as.mcpUrl, '--type', 'oauth', '--insecure-storage', ...extra], env, home, tamper),
    startProxy: async ({ url = as.mcpUrl, store = file, transport } = {}) => {
      const proxy = await startTestProxy({ servers: { linear: { url, ...(transport ? { transport } : {}), auth: { type: 'oauth' } } } }, {}, { stores: { keychain: NO_KEYCHAIN, file: store } });
      proxies.push(proxy);
      return proxy;
    },
    close: async () => {
      await Promise.all(proxies.map((p) => p.close()));
      await as.close();
    },
  };
}

/** The stored token record of server `linear`. */
export async function storedTokens(file: FileStore): Promise<{ accessToken: string; refreshToken?: string; expiresAt?: number }> {
  return JSON.parse((await file.get('oauth-tokens:linear')) as string);
}

/** The same initialize body and MCP POST headers as test/helpers/net.ts, under the names OAuth tests use. */
export { INITIALIZE, MCP_POST_HEADERS as mcpHeaders } from './net.js';

/** A response body as loosely typed JSON, for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const jsonOf = async (response: Response): Promise<any> => response.json();
