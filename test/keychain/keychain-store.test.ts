// The keychain store against a real Secret Service (gnome-keyring): what we
// store, secret-tool reads back under service mcp-auth-proxy, and delete removes.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { KeychainStore } from '../../src/secrets/keychain.js';

const lookup = (account: string) => {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', 'mcp-auth-proxy', 'username', account], { encoding: 'utf8' });
  } catch {
    return undefined;
  }
};

test('set, get, read back with secret-tool, delete', async () => {
  const store = new KeychainStore();
  const account = `suite-${randomBytes(4).toString('hex')}`;
  const value = `v-${randomBytes(12).toString('hex')}`;
  expect(await store.get(account)).toBeUndefined();
  await store.set(account, value);
  expect(await store.get(account)).toBe(value);
  expect(lookup(account)).toBe(value);
  expect(await store.delete(account)).toBe(true);
  expect(await store.get(account)).toBeUndefined();
  expect(lookup(account)).toBeUndefined();
  expect(await store.delete(account)).toBe(false);
});
