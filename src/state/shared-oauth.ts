// OAuth upstream tokens shared by replicas through Redis (config `redis`):
// the token and client records live in Redis instead of each replica's
// keychain, and a refresh runs under a Redis lock, so two replicas never
// spend the same refresh token: the one that waited for the lock re-reads
// the store first (src/oauth/token-manager.ts) and takes up the tokens the
// other one just saved. With Redis away no refresh is attempted (that could
// spend a refresh token twice); the token in hand is used while it lasts.
import { randomBytes } from 'node:crypto';
import { AppError, SecretError } from '../errors.js';
import type { SecretStore } from '../secrets/store.js';
import type { SharedRedis } from './redis.js';

/** Longest a refresh may hold the lock (the token endpoint's retries included); it expires by itself after. */
const LOCK_TTL_MS = 30_000;
/** How often a replica waiting for the lock asks again. */
const LOCK_POLL_MS = 25;

const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

export interface SharedOAuth {
  /** Where the token and client records live. */
  store: SecretStore;
  /** Runs `task` while holding the lock `name` on every replica. */
  exclusive<T>(name: string, task: () => Promise<T>): Promise<T>;
}

export function sharedOAuth(redis: SharedRedis): SharedOAuth {
  const client = redis.client;
  const key = (account: string) => `${redis.prefix}secret:${account}`;
  const unavailable = (error: unknown) =>
    new SecretError('SHARED_STORE_UNAVAILABLE', `Redis, where the replicas keep OAuth tokens, cannot be reached: ${(error as Error).message}`, 'Check redis.url and that Redis is running.');
  const store: SecretStore = {
    label: 'Redis',
    get: (account) => client.get(key(account)).then((value) => value ?? undefined, (error: unknown) => Promise.reject(unavailable(error))),
    set: (account, value) => client.set(key(account), value).then(() => undefined, (error: unknown) => Promise.reject(unavailable(error))),
    delete: (account) => client.del(key(account)).then((n) => n > 0, (error: unknown) => Promise.reject(unavailable(error))),
  };
  return {
    store,
    async exclusive(name, task) {
      const lock = `${redis.prefix}lock:${name}`;
      const token = randomBytes(16).toString('base64url');
      const deadline = Date.now() + LOCK_TTL_MS;
      for (;;) {
        let taken: string | null;
        try {
          taken = await client.set(lock, token, 'PX', LOCK_TTL_MS, 'NX');
        } catch (error) {
          throw new AppError('SHARED_LOCK_UNAVAILABLE', `Cannot take the refresh lock in Redis (${(error as Error).message}); the token is not refreshed, so no replica spends the refresh token twice`, {
            hint: 'Check that Redis is reachable; the refresh is tried again once it is.',
          });
        }
        if (taken === 'OK') break;
        if (Date.now() > deadline) throw new AppError('SHARED_LOCK_TIMEOUT', `Another replica has held the refresh lock "${name}" for ${LOCK_TTL_MS / 1000} s`, { hint: 'Check that replica and the way to the authorization server.' });
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
      }
      try {
        return await task();
      } finally {
        await client.eval(RELEASE, 1, lock, token).catch(() => undefined);
      }
    },
  };
}
