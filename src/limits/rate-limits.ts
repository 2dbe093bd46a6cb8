// Rate limits (config `rateLimits`) with rate-limiter-flexible: per caller
// (every request to an MCP endpoint), per caller and tool (each tools/call,
// batches counted message by message) and per server (all callers
// together). Counters live in memory, or in Redis when replicas share one;
// while Redis is unreachable each replica counts in memory against the
// limit divided by redis.replicas, so the deployment as a whole stays near
// its limit and no request fails for want of Redis.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Rate, RateLimitsConfig } from '../config/limits-schema.js';
import type { ProxyMetrics } from '../observability/metrics.js';
import { batchMessages, type RpcPeek } from '../observability/rpc-peek.js';
import type { SharedRedis } from '../state/redis.js';
import { withinMs } from '../state/within.js';

import type { LimitScope, RateLimitRefusal } from './refusal.js';

export type { LimitScope, RateLimitRefusal } from './refusal.js';

export interface RateLimits {
  /**
   * Counts one request of `caller` to `server` (and its tools/call messages);
   * resolves to the refusal when a limit is spent. Never rejects: a Redis
   * failure falls back to memory.
   */
  admit(server: string, caller: string, rpc: RpcPeek | undefined, body: Buffer): Promise<RateLimitRefusal | undefined>;
}

export interface RateLimitsOptions {
  config: RateLimitsConfig;
  redis?: SharedRedis;
  /** Replicas sharing the Redis: each one's share of a limit while Redis is away. */
  replicas?: number;
  metrics: ProxyMetrics;
}

/** One limit: its counter (in Redis, or memory) and the memory counter that stands in while Redis is away. */
interface Counter {
  scope: LimitScope;
  rate: Rate;
  limiter: RateLimiterAbstract;
  fallback?: RateLimiterAbstract;
}

export function createRateLimits(options: RateLimitsOptions): RateLimits | undefined {
  const { config, redis, metrics } = options;
  const replicas = options.replicas ?? 1;
  const counter = (scope: LimitScope, rate: Rate, name: string): Counter => {
    const memory = (points: number) => new RateLimiterMemory({ points, duration: rate.seconds, keyPrefix: name });
    if (!redis) return { scope, rate, limiter: memory(rate.points) };
    return {
      scope,
      rate,
      limiter: new RateLimiterRedis({ storeClient: redis.client, keyPrefix: `${redis.prefix}rl:${name}`, points: rate.points, duration: rate.seconds, rejectIfRedisNotReady: true }),
      // Never below one: a replica must be able to serve someone.
      fallback: memory(Math.max(1, Math.floor(rate.points / replicas))),
    };
  };
  const perCaller = config.perCaller ? counter('caller', config.perCaller, 'caller') : undefined;
  const perTool = config.perCallerTool ? counter('callerTool', config.perCallerTool, 'tool') : undefined;
  const perServer = config.perServer;
  const allServers = perServer && 'points' in perServer ? counter('server', perServer as Rate, 'server') : undefined;
  const servers = new Map<string, Counter>();
  if (perServer && !('points' in perServer)) {
    for (const [name, rate] of Object.entries(perServer as Record<string, Rate>)) servers.set(name, counter('server', rate, `server:${name}`));
  }
  if (!perCaller && !perTool && !allServers && servers.size === 0) return undefined;

  const consume = async (c: Counter, key: string, server: string, points: number): Promise<RateLimitRefusal | undefined> => {
    try {
      await (c.fallback ? withinMs(c.limiter.consume(key, points)) : c.limiter.consume(key, points));
      return undefined;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return refused(c, rejection, server);
      if (!c.fallback) throw rejection;
      metrics.rateLimitFallback(c.scope);
      try {
        await c.fallback.consume(key, points);
        return undefined;
      } catch (second) {
        if (second instanceof RateLimiterRes) return refused(c, second, server);
        throw second;
      }
    }
  };
  const refused = (c: Counter, res: RateLimiterRes, server: string): RateLimitRefusal => {
    metrics.rateLimited(server, c.scope);
    return { scope: c.scope, limit: c.rate.text, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
  };

  return {
    async admit(server, caller, rpc, body) {
      const pending: Array<Promise<RateLimitRefusal | undefined>> = [];
      if (perCaller) pending.push(consume(perCaller, caller, server, 1));
      const serverCounter = servers.get(server) ?? allServers;
      if (serverCounter) pending.push(consume(serverCounter, server, server, 1));
      if (perTool) {
        for (const [tool, count] of toolCalls(rpc, body)) pending.push(consume(perTool, `${caller}\n${server}\n${tool}`, server, count));
      }
      const results = await Promise.all(pending);
      let worst: RateLimitRefusal | undefined;
      for (const result of results) if (result && (!worst || result.retryAfterSeconds > worst.retryAfterSeconds)) worst = result;
      return worst;
    },
  };
}

/** The tools called by a request and how many times each (a batch may call one several times). */
function toolCalls(rpc: RpcPeek | undefined, body: Buffer): Map<string, number> {
  const calls = new Map<string, number>();
  if (rpc?.method === 'tools/call') calls.set(rpc.name ?? '', 1);
  else if (rpc?.batch) {
    for (const { envelope } of batchMessages(body)) {
      if (envelope.method === 'tools/call') calls.set(envelope.name ?? '', (calls.get(envelope.name ?? '') ?? 0) + 1);
    }
  }
  return calls;
}

