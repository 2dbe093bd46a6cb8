// Puts a secret entered at login into the keychain, or into the insecure file
// when asked; a missing keychain becomes an error that names the way out.
import { SecretError } from '../errors.js';
import type { SecretStore } from '../secrets/store.js';

export async function storeSecret(
  keychain: SecretStore,
  insecure: SecretStore | undefined,
  account: string,
  secret: string,
): Promise<SecretStore> {
  if (insecure) {
    await insecure.set(account, secret);
    return insecure;
  }
  try {
    await keychain.set(account, secret);
    return keychain;
  } catch (error) {
    throw noKeychain(error);
  }
}

/** A keychain that cannot be used turns into the --insecure-storage hint; other errors pass through. */
export function noKeychain(error: unknown): unknown {
  if (error instanceof SecretError && error.code === 'KEYCHAIN_UNAVAILABLE') {
    return new SecretError(
      'KEYCHAIN_UNAVAILABLE',
      'No OS keychain is available here, so nothing was stored',
      'Re-run with --insecure-storage to keep the secret in a 0600 file under your config dir (as `gh` does), or use env:VAR / file:PATH references.',
      error,
    );
  }
  return error;
}

export const INSECURE_WARNING = 'warning: --insecure-storage keeps the secret in a plain 0600 file, not the OS keychain.';
