// The Redis connection replicas share (config `redis`): one ioredis client
// per process, which fails fast while Redis is away (no offline queue, a
// short command timeout) so a request never waits on it; what uses it falls
// back to memory and says so. Outages are logged once each, not per request.
import { Redis } from 'ioredis';
import type { RedisConfig } from '../config/limits-schema.js';
import type { Logger } from '../observability/logger.js';

export interface SharedRedis {
  readonly client: Redis;
  /** Every key the proxy writes starts with this (config redis.keyPrefix). */
  readonly prefix: string;
  /** Whether commands can be sent now. */
  ready(): boolean;
  /** Called with true when the connection comes up, false when it is lost. */
  onChange(listener: (up: boolean) => void): void;
  /** A second connection for pub/sub (a subscribed connection can send nothing else). */
  subscriber(): Redis;
  close(): Promise<void>;
}

/** A command that takes longer is failed (the caller falls back) rather than holding a request. */
const COMMAND_TIMEOUT_MS = 500;

export function connectRedis(config: RedisConfig, options: { password?: string; logger: Logger }): SharedRedis {
  const { logger } = options;
  const listeners: Array<(up: boolean) => void> = [];
  const extra: Redis[] = [];
  const make = (name: string) => {
    const client = new Redis(config.url, {
      ...(options.password ? { password: options.password } : {}),
      enableOfflineQueue: false,
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      // Keep trying, at most every 2 s: a replica outlives a Redis restart.
      retryStrategy: (times) => Math.min(times * 200, 2_000),
      connectionName: `mcp-auth-proxy-${name}`,
    });
    let down = false;
    client.on('error', (error: Error) => {
      if (down) return;
      down = true;
      logger.warn('Redis is unreachable: rate limits fall back to memory (limit divided by redis.replicas); shared keys and tokens are read again once it is back', { redis: redactUrl(config.url), error: error.message });
      if (name === 'main') for (const listener of listeners) listener(false);
    });
    client.on('ready', () => {
      if (!down) return;
      down = false;
      logger.info('Redis is reachable again', { redis: redactUrl(config.url) });
      if (name === 'main') for (const listener of listeners) listener(true);
    });
    client.on('close', () => {
      if (down || name !== 'main') return;
      down = true;
      logger.warn('Redis connection closed: rate limits fall back to memory until it is back', { redis: redactUrl(config.url) });
      for (const listener of listeners) listener(false);
    });
    return client;
  };
  const client = make('main');
  return {
    client,
    prefix: config.keyPrefix,
    ready: () => client.status === 'ready',
    onChange: (listener) => void listeners.push(listener),
    subscriber() {
      const sub = make('subscriber');
      extra.push(sub);
      return sub;
    },
    async close() {
      await Promise.all([client, ...extra].map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}

/** The URL without user info, for logs. */
function redactUrl(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.href;
}
