// The secret store contract: the keychain and the insecure file store both
// implement it, so resolution and `login` never care which one is in use.

export interface SecretStore {
  /** A short label for messages, e.g. "OS keychain". */
  readonly label: string;
  /** The stored value, or undefined when the account has none. Throws SecretError when the store is unusable. */
  get(account: string): Promise<string | undefined>;
  set(account: string, value: string): Promise<void>;
  /** True when something was deleted. */
  delete(account: string): Promise<boolean>;
}
