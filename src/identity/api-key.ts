// The apiKey method: keys made by `mcp-auth-proxy keys create`, sent as
// `Authorization: Bearer mapk_...`, checked against the key store (a keyed
// hash, compared in constant time; a revoked key is refused at the next
// request, as the store is re-read when its file changes). With Redis the
// store is shared by every replica (src/state/shared-keys.ts).
import type { ApiKeyIdentityConfig } from '../config/team-schema.js';
import type { SharedRedis } from '../state/redis.js';
import { SharedKeyStore } from '../state/shared-keys.js';
import { KEY_PREFIX, KeyStore, UsageRecorder, defaultKeyStoreFile, type KeyCheck } from './key-store.js';
import { bearerToken, refuse, type IdentityMethod } from './method.js';

/** What the method needs of a store: a check in memory, a note of use, and a count for status. */
interface KeyLookup {
  label: string;
  problem: string | undefined;
  check(key: string): KeyCheck;
  /** A second look when the first check may be out of date (a key made on another replica a moment ago). */
  recheck?(key: string, first: KeyCheck): Promise<KeyCheck> | undefined;
  used(id: string, at: number): void;
  count(): Promise<number>;
  close(): void;
}

export function apiKeyMethod(config: ApiKeyIdentityConfig, env: NodeJS.ProcessEnv, now: () => number = Date.now, redis?: SharedRedis): IdentityMethod {
  const store = redis ? sharedLookup(redis, now) : fileLookup(config.store ?? defaultKeyStoreFile(env), now);
  const verdict = (checked: KeyCheck) => {
    if ('reason' in checked) {
      // The same answer for an unknown id and a wrong secret: nothing tells which ids exist.
      return checked.reason === 'expired' ? refuse('KEY_EXPIRED', 'this API key has expired; ask for a new one (`mcp-auth-proxy keys create`)') : refuse('KEY_UNKNOWN', 'this API key is not valid (unknown, revoked or mistyped)');
    }
    store.used(checked.record.id, now());
    return { principal: { user: checked.record.user, groups: checked.record.groups, method: 'apiKey' as const, keyId: checked.record.id } };
  };
  return {
    type: 'apiKey',
    headers: ['authorization'],
    authenticate(req) {
      const token = bearerToken(req);
      if (token === undefined || !token.startsWith(KEY_PREFIX)) return undefined;
      const checked = store.check(token);
      const again = store.recheck?.(token, checked);
      return again ? again.then(verdict) : verdict(checked);
    },
    async check() {
      try {
        const count = await store.count();
        if (store.problem) return { ok: false, detail: store.problem };
        return { ok: true, detail: `${count} key${count === 1 ? '' : 's'} in ${store.label}` };
      } catch (error) {
        return { ok: false, detail: (error as Error).message };
      }
    },
    close: () => store.close(),
  };
}

function fileLookup(file: string, now: () => number): KeyLookup {
  const store = new KeyStore(file, now);
  const usage = new UsageRecorder(store.file);
  return {
    label: store.file,
    get problem() {
      return store.problem;
    },
    check: (key) => store.check(key),
    used: (id, at) => usage.used(id, at),
    async count() {
      // A dry check reads the pepper too (a loose pepper file is a problem as well).
      store.check(`${KEY_PREFIX}${'0'.repeat(12)}_${'A'.repeat(43)}`);
      return store.list().length;
    },
    close: () => usage.flush(),
  };
}

function sharedLookup(redis: SharedRedis, now: () => number): KeyLookup {
  const store = new SharedKeyStore(redis, now);
  void store.follow();
  return {
    label: store.label,
    get problem() {
      return store.problem;
    },
    check: (key) => store.check(key),
    recheck: (key, first) => store.recheck(key, first),
    used: (id, at) => store.markUsed(id, at),
    count: async () => (await store.list()).length,
    close: () => void store.close(),
  };
}
