// The stores a command uses: the OS keychain first, the insecure file store
// only as the explicit fallback.
import { FileStore, insecureStorePath } from './file-store.js';
import { KeychainStore } from './keychain.js';
import type { Redactor } from '../observability/redact.js';
import { SecretResolver } from './resolve.js';
import type { SecretStore } from './store.js';

export interface Stores {
  keychain: SecretStore;
  file: FileStore;
}

export function openStores(env: NodeJS.ProcessEnv): Stores {
  return { keychain: new KeychainStore(), file: new FileStore(insecureStorePath(env)) };
}

/** The resolver the proxy and doctor use: environment, files, keychain, then the insecure file as fallback. */
export function openResolver(env: NodeJS.ProcessEnv, redactor: Redactor, onFallback?: (account: string, file: string) => void): SecretResolver {
  const stores = openStores(env);
  return new SecretResolver({
    env,
    redactor,
    store: stores.keychain,
    fallback: stores.file,
    ...(onFallback ? { onFallback: (account: string) => onFallback(account, stores.file.path) } : {}),
  });
}
