// Connects the Redis the config names (`redis`), resolving its password
// reference first; undefined without one (everything stays in memory).
import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { SecretResolver } from '../secrets/resolve.js';
import { connectRedis, type SharedRedis } from './redis.js';

export async function openRedis(config: Config, secrets: SecretResolver, logger: Logger): Promise<SharedRedis | undefined> {
  if (!config.redis) return undefined;
  const password = config.redis.password ? await secrets.resolve(config.redis.password, 'redis.password', 'redis') : undefined;
  const redis = connectRedis(config.redis, { logger, ...(password ? { password } : {}) });
  // Serve with the shared state from the first request when Redis is there; a Redis that is away does not stop the start.
  await redis.whenReady(STARTUP_WAIT_MS);
  return redis;
}

/** How long a start waits for Redis before serving with the in-memory fallbacks. */
const STARTUP_WAIT_MS = 3_000;
