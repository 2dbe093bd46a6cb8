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
  /** Resolves once connected, or after `ms` (true when connected). */
  whenReady(ms: number): Promise<boolean>;
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
    const lost = (detail: Record<string, unknown>) => {
      if (down) return;
      down = true;
      if (name !== 'main') return;
      logger.warn('Redis is unreachable: rate limits fall back to memory (each limit divided by redis.replicas); shared keys and tokens are read again once it is back', { redis: redactUrl(config.url), ...detail });
      for (const listener of listeners) listener(false);
    };
    client.on('error', (error: Error) => lost({ error: error.message }));
    client.on('close', () => lost({}));
    client.on('ready', () => {
      if (!down) return;
      down = false;
      if (name !== 'main') return;
      logger.info('Redis is reachable again', { redis: redactUrl(config.url) });
      for (const listener of listeners) listener(true);
    });
    return client;
  };
  const client = make('main');
  return {
    client,
    prefix: config.keyPrefix,
    ready: () => client.status === 'ready',
    onChange: (listener) => void listeners.push(listener),
    whenReady(ms) {
      if (client.status === 'ready') return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          client.off('ready', up);
          resolve(false);
        }, ms);
        timer.unref();
        const up = () => {
          clearTimeout(timer);
          resolve(true);
        };
        client.once('ready', up);
      });
    },
    subscriber() {
      const sub = make('subscriber');
      extra.push(sub);
      return sub;
    },
    async close() {
      // quit() lets replies in flight arrive; a connection that is down has none, and would only retry.
      await Promise.all([client, ...extra].map((c) => (c.status === 'ready' ? c.quit().then(() => undefined, () => c.disconnect()) : c.disconnect())));
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

