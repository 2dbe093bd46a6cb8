// The OS keychain store on @napi-rs/keyring (service `mcp-auth-proxy`, one
// account per secret). On Linux entries are pinned to the Secret Service, so
// a secret never silently lands in the session-only kernel keyring. Any
// failure of the native layer means "no usable keychain here", with a hint.
import type { AsyncEntry } from '@napi-rs/keyring';
import { SecretError } from '../errors.js';
import type { SecretStore } from './store.js';

export const KEYCHAIN_SERVICE = 'mcp-auth-proxy';

const NO_KEYCHAIN_HINT =
  'No OS keychain is reachable (on Linux: a Secret Service such as gnome-keyring on a D-Bus session). ' +
  'Store the secret with `--insecure-storage` (a 0600 file), or reference it as env:VAR / file:PATH.';

export class KeychainStore implements SecretStore {
  readonly label = 'OS keychain';

  constructor(private readonly service: string = KEYCHAIN_SERVICE) {}

  /** Loads the native module on first use: a machine without its binary still runs everything else. */
  private async entry(account: string): Promise<AsyncEntry> {
    const { AsyncEntry: Entry } = await import('@napi-rs/keyring');
    return new Entry(this.service, account, { linux: { store: 'secret-service' } });
  }

  async get(account: string): Promise<string | undefined> {
    try {
      return (await (await this.entry(account)).getPassword()) ?? undefined;
    } catch (cause) {
      throw classify(cause);
    }
  }

  async set(account: string, value: string): Promise<void> {
    try {
      await (await this.entry(account)).setPassword(value);
    } catch (cause) {
      throw classify(cause);
    }
  }

  async delete(account: string): Promise<boolean> {
    try {
      return await (await this.entry(account)).deleteCredential();
    } catch (cause) {
      throw classify(cause);
    }
  }
}

/** Maps the native error to a typed one; the native text is kept as the cause only. */
function classify(cause: unknown): SecretError {
  if (cause instanceof SecretError) return cause;
  const text = cause instanceof Error ? cause.message : String(cause);
  if (/lock/i.test(text)) {
    return new SecretError('KEYCHAIN_LOCKED', 'The OS keychain is locked', 'Unlock your login keychain (log in to the desktop session, or run `gnome-keyring-daemon --unlock`), then retry.', cause);
  }
  return new SecretError('KEYCHAIN_UNAVAILABLE', `The OS keychain is not available: ${text.split('\n')[0]}`, NO_KEYCHAIN_HINT, cause);
}
