// The apiKey method: keys made by `mcp-auth-proxy keys create`, sent as
// `Authorization: Bearer mapk_...`, checked against the key store (a keyed
// hash, compared in constant time; a revoked key is refused at the next
// request, as the store is re-read when its file changes).
import type { ApiKeyIdentityConfig } from '../config/team-schema.js';
import { KEY_PREFIX, KeyStore, UsageRecorder, defaultKeyStoreFile } from './key-store.js';
import { bearerToken, refuse, type IdentityMethod } from './method.js';

export function apiKeyMethod(config: ApiKeyIdentityConfig, env: NodeJS.ProcessEnv, now: () => number = Date.now): IdentityMethod {
  const store = new KeyStore(config.store ?? defaultKeyStoreFile(env), now);
  const usage = new UsageRecorder(store.file);
  return {
    type: 'apiKey',
    headers: ['authorization'],
    authenticate(req) {
      const token = bearerToken(req);
      if (token === undefined || !token.startsWith(KEY_PREFIX)) return undefined;
      const checked = store.check(token);
      if ('reason' in checked) {
        // The same answer for an unknown id and a wrong secret: nothing tells which ids exist.
        return checked.reason === 'expired' ? refuse('KEY_EXPIRED', 'this API key has expired; ask for a new one (`mcp-auth-proxy keys create`)') : refuse('KEY_UNKNOWN', 'this API key is not valid (unknown, revoked or mistyped)');
      }
      usage.used(checked.record.id, now());
      return { principal: { user: checked.record.user, groups: checked.record.groups, method: 'apiKey', keyId: checked.record.id } };
    },
    async check() {
      try {
        // A dry check reads the pepper too (a loose pepper file is a problem as well).
        store.check(`${KEY_PREFIX}${'0'.repeat(12)}_${'A'.repeat(43)}`);
        const count = store.list().length;
        return { ok: true, detail: `${count} key${count === 1 ? '' : 's'} in ${store.file}` };
      } catch (error) {
        return { ok: false, detail: (error as Error).message };
      }
    },
    close: () => usage.flush(),
  };
}

