// Where login and logout keep an OAuth server's tokens when the config names
// a Redis (replicas share them there): the shared store, opened for the
// command and closed after. Without Redis, undefined: the keychain as always.
import { loadConfig } from '../config/load.js';
import { AppError } from '../errors.js';
import type { SecretStore } from '../secrets/store.js';
import { openResolver } from '../secrets/stores.js';
import { configWarnings, type CommandContext } from './context.js';

export async function withSharedTokens<T>(ctx: CommandContext, configFile: string | undefined, use: (store: SecretStore | undefined) => Promise<T>): Promise<T> {
  const { config } = await loadConfig({ cwd: ctx.cwd, env: ctx.env, ...(configFile ? { configFile } : {}), warn: configWarnings(ctx) });
  if (!config.redis) return use(undefined);
  // ioredis loads only for a config that names a Redis.
  const [{ openRedis }, { sharedOAuth }, { silentLogger }] = await Promise.all([import('../state/open.js'), import('../state/shared-oauth.js'), import('../observability/logger.js')]);
  const redis = await openRedis(config, openResolver(ctx.env, ctx.redactor), silentLogger());
  try {
    if (!redis?.ready()) throw new AppError('REDIS_UNREACHABLE', `Cannot reach Redis at ${config.redis.url}, where the replicas keep OAuth tokens`, { hint: 'Check redis.url (and redis.password) in the config, and that Redis is running.' });
    return await use(sharedOAuth(redis).store);
  } finally {
    await redis?.close();
  }
}
