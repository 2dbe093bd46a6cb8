// Legacy SSE session routing shared by replicas (config `redis`): the
// replica holding an agent's stream records where its message endpoint
// leads (server, upstream URL, owner), so a POST the load balancer sends to
// another replica is forwarded to the same upstream URL; the answer reaches
// the agent on the stream, wherever it is held. Best effort both ways: with
// Redis away, a message reaching another replica than its stream's is
// answered 404 (as without Redis), and the stream itself goes on.
import type { SharedRedis } from './redis.js';
import { withinMs } from './within.js';

export interface SseRoute {
  upstream: string;
  url: string;
  owner: string | undefined;
}

export interface SharedSseRoutes {
  publish(token: string, route: SseRoute): void;
  lookup(token: string): Promise<SseRoute | undefined>;
  forget(token: string): void;
}

/** A stream's record outlives a replica that died without removing it by at most this long. */
const ROUTE_TTL_SECONDS = 24 * 3600;

export function sharedSseRoutes(redis: SharedRedis): SharedSseRoutes {
  const key = (token: string) => `${redis.prefix}sse:${token}`;
  return {
    publish(token, route) {
      redis.client.set(key(token), JSON.stringify(route), 'EX', ROUTE_TTL_SECONDS).catch(() => undefined);
    },
    async lookup(token) {
      try {
        const text = await withinMs(redis.client.get(key(token)));
        if (text === null) return undefined;
        const route = JSON.parse(text) as SseRoute;
        return typeof route?.upstream === 'string' && typeof route.url === 'string' ? route : undefined;
      } catch {
        return undefined;
      }
    },
    forget(token) {
      redis.client.del(key(token)).catch(() => undefined);
    },
  };
}
