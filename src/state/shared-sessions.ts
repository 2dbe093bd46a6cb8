// Team mode's MCP session owners shared by replicas (config `redis`): the
// replica that sees a session issued records its caller, so a replica that
// never saw it still refuses another caller presenting its id. Best effort:
// with Redis away a replica decides on what it has seen itself.
import type { SharedRedis } from './redis.js';
import { withinMs } from './within.js';

export interface SharedSessions {
  claim(key: string, user: string): void;
  owner(key: string): Promise<string | undefined>;
  end(key: string): void;
}

/** Upstreams expire idle sessions long before this; it bounds what a forgotten DELETE leaves behind. */
const SESSION_TTL_SECONDS = 24 * 3600;

export function sharedSessions(redis: SharedRedis): SharedSessions {
  const key = (name: string) => `${redis.prefix}session:${name}`;
  return {
    claim(name, user) {
      redis.client.set(key(name), user, 'EX', SESSION_TTL_SECONDS, 'NX').catch(() => undefined);
    },
    owner(name) {
      return withinMs(redis.client.get(key(name))).then(
        (user) => user ?? undefined,
        () => undefined,
      );
    },
    end(name) {
      redis.client.del(key(name)).catch(() => undefined);
    },
  };
}
