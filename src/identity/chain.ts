// Team mode's identity step: the configured methods tried in order until one
// names the caller or refuses the request. A request that carries nothing
// any method accepts is refused with 401; with a jwt method configured, the
// answer points at this proxy's protected resource metadata (RFC 9728), so
// agents that do MCP authorization by themselves sign their user in at the
// company's identity provider. Repeated refusals from one address are slowed.
import type { IncomingMessage } from 'node:http';
import type { BlockList } from 'node:net';
import type { IdentityMethodConfig } from '../config/team-schema.js';
import { apiKeyMethod } from './api-key.js';
import { jwtMethod } from './jwt.js';
import type { IdentityMethod } from './method.js';
import { proxyAssertionMethod } from './proxy-assertion.js';
import { trustedHeaderMethod } from './trusted-header.js';
import type { IdentityResult, Principal, Refusal } from './principal.js';
import type { SharedRedis } from '../state/redis.js';

export interface IdentityChain {
  readonly methods: readonly IdentityMethod[];
  /** Every header an identity method reads: removed before a request goes upstream. */
  readonly headers: readonly string[];
  /**
   * Names the caller, or refuses; `resources` are the URLs this request's
   * server is reached at. Synchronous when every method asked answers at once
   * (an API key, a token verified before): no promise on the common path.
   */
  authenticate(req: IncomingMessage, resources: readonly string[]): ChainVerdict | Promise<ChainVerdict>;
  /** The caller's address as believed: the socket's, or the client X-Forwarded-For names when the socket is a trusted proxy. */
  clientAddress(req: IncomingMessage): string;
  /** Whether the socket is one of `trustedProxies` (it speaks for others). */
  fromTrustedProxy(req: IncomingMessage): boolean;
  close(): void;
}

export type ChainVerdict = { principal: Principal } | { refusal: Refusal; delayMs: number };

export interface ChainOptions {
  methods: readonly IdentityMethodConfig[];
  env: NodeJS.ProcessEnv;
  trustedProxies?: BlockList;
  now?: () => number;
  /** Told every verdict (the metrics count authentications by method and result). */
  onResult?: (method: string, result: 'ok' | 'refused') => void;
  /** The Redis replicas share: API keys are read from it (and follow its changes). */
  redis?: SharedRedis;
}

/** Refusals from one address within this window before answers slow down. */
const FREE_FAILURES = 5;
const WINDOW_MS = 60_000;
const MAX_DELAY_MS = 5_000;
/** Addresses remembered at most (a flood of spoofed ones cannot grow memory). */
const MAX_TRACKED = 10_000;

export function createIdentityChain(options: ChainOptions): IdentityChain {
  const now = options.now ?? Date.now;
  const methods = options.methods.map((config): IdentityMethod => {
    switch (config.type) {
      case 'apiKey':
        return apiKeyMethod(config, options.env, now, options.redis);
      case 'jwt':
        return jwtMethod(config, now);
      case 'proxyAssertion':
        return proxyAssertionMethod(config, now);
      case 'trustedHeader':
        return trustedHeaderMethod(config);
    }
  });
  const failures = new Map<string, { count: number; since: number }>();
  const unknownHelp = describeMethods(methods);
  const trusted = options.trustedProxies;

  const fromTrustedProxy = (req: IncomingMessage) => {
    const address = req.socket.remoteAddress;
    return trusted !== undefined && address !== undefined && trusted.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
  };
  const clientAddress = (req: IncomingMessage): string => {
    const socket = req.socket.remoteAddress ?? 'unknown';
    if (!fromTrustedProxy(req)) return socket;
    // The rightmost address a trusted proxy did not add is the client (earlier entries are the client's own word).
    const forwarded = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').map((h) => h.trim()).filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i] as string;
      if (!trusted?.check(hop, hop.includes(':') ? 'ipv6' : 'ipv4')) return hop;
    }
    return hops[0] ?? socket;
  };
  const penalty = (address: string): number => {
    const at = now();
    let entry = failures.get(address);
    if (!entry || at - entry.since > WINDOW_MS) entry = { count: 0, since: at };
    entry.count += 1;
    if (failures.size >= MAX_TRACKED && !failures.has(address)) failures.clear();
    failures.set(address, entry);
    return entry.count <= FREE_FAILURES ? 0 : Math.min(MAX_DELAY_MS, 100 * 2 ** (entry.count - FREE_FAILURES - 1));
  };

  return {
    methods,
    headers: [...new Set(methods.flatMap((m) => m.headers))],
    clientAddress,
    fromTrustedProxy,
    authenticate(req, resources) {
      const context = { resources, fromTrustedProxy: fromTrustedProxy(req) };
      const decide = (method: IdentityMethod, result: NonNullable<IdentityResult>): ChainVerdict => {
        options.onResult?.(method.type, 'principal' in result ? 'ok' : 'refused');
        if ('principal' in result) {
          if (failures.size > 0) failures.delete(clientAddress(req));
          return result;
        }
        return { refusal: result.refusal, delayMs: result.refusal.status === 503 ? 0 : penalty(clientAddress(req)) };
      };
      const from = (first: number): ChainVerdict | Promise<ChainVerdict> => {
        for (let i = first; i < methods.length; i++) {
          const method = methods[i] as IdentityMethod;
          const result = method.authenticate(req, context);
          if (result instanceof Promise) return result.then((settled) => (settled === undefined ? from(i + 1) : decide(method, settled)));
          if (result !== undefined) return decide(method, result);
        }
        options.onResult?.('none', 'refused');
        return { refusal: { status: 401, code: 'CALLER_UNKNOWN', message: `this proxy serves a team: sign in (${unknownHelp})` }, delayMs: penalty(clientAddress(req)) };
      };
      return from(0);
    },
    close: () => methods.forEach((m) => m.close?.()),
  };
}

function describeMethods(methods: readonly IdentityMethod[]): string {
  const ways: Record<string, string> = {
    apiKey: 'send your API key as Authorization: Bearer mapk_...',
    jwt: "let your agent sign you in with the company's identity provider (MCP authorization), or send its token as Authorization: Bearer",
    proxyAssertion: 'come through the company access proxy',
    trustedHeader: 'come through the company sign-in proxy',
  };
  return methods.map((m) => ways[m.type]).join('; or ');
}
