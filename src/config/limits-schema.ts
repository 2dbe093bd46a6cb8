// The config of rate limits (`rateLimits`: per caller, per caller and tool,
// per server, written "120/min") and of the Redis that replicas share
// (`redis`: counters, API keys, OAuth tokens, legacy SSE routing). Kept
// apart from schema.ts, which composes it into the one config schema.
import { z } from 'zod';
import { isSecretReference, SECRET_REFERENCE_HINT } from '../secrets/reference.js';

/** A limit: `points` requests per `seconds`. */
export interface Rate {
  points: number;
  seconds: number;
  /** As written, for messages. */
  text: string;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, sec: 1, second: 1, m: 60, min: 60, minute: 60, h: 3600, hour: 3600, d: 86_400, day: 86_400 };
const RATE = /^(\d{1,9})\s*\/\s*(\d{0,6})\s*([a-z]+)$/;

/** `"120/min"`, `"10/s"`, `"1000/hour"`, `"5000/day"`, `"30/5m"`; undefined when it is not one. */
export function parseRate(text: string): Rate | undefined {
  const match = RATE.exec(text.trim().toLowerCase());
  if (!match) return undefined;
  const unit = UNIT_SECONDS[match[3] as string];
  const points = Number(match[1]);
  const times = match[2] === '' ? 1 : Number(match[2]);
  if (unit === undefined || points < 1 || times < 1) return undefined;
  return { points, seconds: unit * times, text: text.trim() };
}

const rate = z.string({ error: 'must be a rate such as "120/min", "10/s", "1000/hour" or "5000/day"' }).transform((value, ctx) => {
  const parsed = parseRate(value);
  if (!parsed) {
    ctx.issues.push({ code: 'custom', input: value, message: `${JSON.stringify(value).slice(0, 40)} is not a rate; write requests per time, e.g. "120/min", "10/s", "1000/hour" or "5000/day"` });
    return z.NEVER;
  }
  return parsed;
});

export const rateLimitsSchema = z
  .object({
    perCaller: rate.optional().describe('requests one caller may send, over all servers, e.g. "120/min" (local mode: the local user)'),
    perCallerTool: rate.optional().describe('tools/call messages one caller may send to one tool of one server, e.g. "20/min"'),
    perServer: z
      .union([rate, z.record(z.string(), rate)])
      .optional()
      .describe('requests all callers together may send to a server: one rate for each server, or { "github": "600/min" } per server'),
  })
  .strict();

const redisUrl = z
  .string()
  .refine((value) => URL.canParse(value) && ['redis:', 'rediss:'].includes(new URL(value).protocol), 'must be a redis:// or rediss:// URL, e.g. "redis://redis:6379"')
  .refine((value) => !URL.canParse(value) || new URL(value).password === '', {
    message: 'the URL holds a password, and config never holds a secret: remove it from the URL and set "password": "env:REDIS_PASSWORD" (or file:PATH)',
    abort: true,
  });

export const redisSchema = z
  .object({
    url: redisUrl.describe('the Redis every replica shares, e.g. "redis://redis:6379/0" (rediss:// for TLS)'),
    password: z
      .string()
      .refine(isSecretReference, { message: `a secret value cannot be written in config; ${SECRET_REFERENCE_HINT}` })
      .optional()
      .describe('reference to the Redis password (AUTH), e.g. "env:REDIS_PASSWORD" or "file:/run/secrets/redis-password"'),
    keyPrefix: z.string().regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'letters, digits and ":_.-", up to 64').default('mcp-auth-proxy:').describe('prefix of every key the proxy writes (one Redis can serve several deployments)'),
    replicas: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be 1 or more')
      .default(1)
      .describe('how many replicas share this Redis: while Redis is unreachable, each replica enforces its rate limits divided by this number in memory'),
  })
  .strict();

export type RateLimitsConfig = z.output<typeof rateLimitsSchema>;
export type RedisConfig = z.output<typeof redisSchema>;
