// Token records longer than one keychain entry may hold (Windows: 2560 bytes)
// are split over numbered parts and joined on read; a shorter record removes
// the parts it no longer needs, and clearing removes everything.
import { SecretError } from '../../src/errors.js';
import { CHUNK_CHARS, OAuthCredentials, type OAuthTokens } from '../../src/oauth/credentials.js';
import type { SecretStore } from '../../src/secrets/store.js';

/** A SecretStore over a Map: the store contract only (the keychain suite runs the real one). */
function memoryStore(label: string): SecretStore & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    label,
    entries,
    get: async (account) => entries.get(account),
    set: async (account, value) => void entries.set(account, value),
    delete: async (account) => entries.delete(account),
  };
}

const tokens = (accessToken: string): OAuthTokens => ({
  accessToken,
  refreshToken: 'r'.repeat(400),
  obtainedAt: 1,
  issuer: 'https://as.example',
  tokenEndpoint: 'https://as.example/token',
  resource: 'https://mcp.example/mcp',
  clientId: 'client',
});

test('a long record is split into parts no longer than CHUNK_CHARS and read back whole', async () => {
  const keychain = memoryStore('OS keychain');
  const credentials = new OAuthCredentials('linear', { keychain, file: memoryStore('file') });
  const long = tokens(`eyJ${'a'.repeat(2500)}`);
  await credentials.saveTokens(long);
  const pointer = JSON.parse(keychain.entries.get('oauth-tokens:linear') as string);
  expect(pointer.chunks).toBeGreaterThanOrEqual(3);
  for (const [account, value] of keychain.entries) if (account.startsWith('oauth-tokens:linear#')) expect(value.length).toBeLessThanOrEqual(CHUNK_CHARS);
  expect(await new OAuthCredentials('linear', { keychain, file: memoryStore('file') }).loadTokens()).toEqual(long);

  await credentials.saveTokens(tokens('short'));
  expect([...keychain.entries.keys()]).toEqual(['oauth-tokens:linear']);
  expect((await credentials.loadTokens())?.accessToken).toBe('short');

  await credentials.saveTokens(long);
  expect(await credentials.clear()).toEqual(['OS keychain']);
  expect(keychain.entries.size).toBe(0);
});

test('no keychain and nothing in the file: not signed in, with the keychain problem kept for the message', async () => {
  const unavailable: SecretStore = {
    label: 'OS keychain',
    get: () => Promise.reject(new SecretError('KEYCHAIN_UNAVAILABLE', 'The OS keychain is not available: no D-Bus', '')),
    set: () => Promise.reject(new Error('unused')),
    delete: () => Promise.reject(new Error('unused')),
  };
  const credentials = new OAuthCredentials('linear', { keychain: unavailable, file: memoryStore('file') });
  expect(await credentials.loadTokens()).toBeUndefined();
  expect(credentials.keychainProblem).toBe('The OS keychain is not available: no D-Bus');
});
