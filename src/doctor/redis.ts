// The doctor's view of the Redis replicas share (config `redis`): reachable
// with the configured password, its version, and what the proxy keeps there
// (API keys). Without it a deployment's replicas count limits apart, and
// keys, OAuth refreshes and sessions do not cross replicas.
import type { Config } from '../config/schema.js';
import { silentLogger } from '../observability/logger.js';
import type { SecretResolver } from '../secrets/resolve.js';
import { fail, pass, type CheckResult } from './check.js';

export async function redisChecks(config: Config, secrets: SecretResolver): Promise<CheckResult[]> {
  if (!config.redis) return [];
  let redis;
  try {
    const { openRedis } = await import('../state/open.js');
    redis = await openRedis(config, secrets, silentLogger());
  } catch (error) {
    return [fail('redis', (error as Error).message, 'Set redis.password to a secret reference that resolves here.')];
  }
  try {
    if (!redis?.ready()) {
      return [fail('redis', `cannot reach ${config.redis.url}`, 'Check redis.url (and redis.password) and that Redis runs; until then each replica counts its rate limits alone (limit / redis.replicas) and shared keys, tokens and sessions do not cross replicas.')];
    }
    const info = await redis.client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    const keys = await redis.client.hlen(`${config.redis.keyPrefix}api-keys`);
    return [pass('redis', `${config.redis.url} answers (Redis ${version}); ${keys} API key${keys === 1 ? '' : 's'} shared by ${config.redis.replicas} replica${config.redis.replicas === 1 ? '' : 's'}`)];
  } catch (error) {
    return [fail('redis', `${config.redis.url}: ${(error as Error).message}`, 'Check that this Redis accepts the proxy\'s commands (AUTH, GET, SET, EVAL).')];
  } finally {
    await redis?.close();
  }
}
