// The stores a command uses: the OS keychain first, the insecure file store
// only as the explicit fallback.
import { FileStore, insecureStorePath } from './file-store.js';
import { KeychainStore } from './keychain.js';
import type { SecretStore } from './store.js';

export interface Stores {
  keychain: SecretStore;
  file: FileStore;
}

export function openStores(env: NodeJS.ProcessEnv): Stores {
  return { keychain: new KeychainStore(), file: new FileStore(insecureStorePath(env)) };
}
