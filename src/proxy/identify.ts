// Team mode's identify step, between confine and reading the body: the
// identity chain names the caller (the principal rides on the Exchange and
// the signer acts as it) or the request is refused here, never forwarded.
// A 401 points at this proxy's protected resource metadata (RFC 9728), which
// names the company identity provider, so an agent that does MCP
// authorization by itself signs its user in there. An MCP session belongs
// to the caller who opened it: another caller presenting its id is refused.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Config } from '../config/schema.js';
import type { JwtIdentityConfig } from '../config/team-schema.js';
import { addressList } from '../config/team-values.js';
import { createIdentityChain, type ChainVerdict, type IdentityChain } from '../identity/chain.js';
import { SessionOwners } from './session-owners.js';
import type { Principal, Refusal } from '../identity/principal.js';
import type { SharedRedis } from '../state/redis.js';
import { sharedSessions } from '../state/shared-sessions.js';

export const METADATA_PREFIX = '/.well-known/oauth-protected-resource';

export type Verdict = { principal: Principal } | { refusal: Refusal; delayMs: number; challenge: string | undefined };

export interface TeamAccess {
  /** The URL agents reach the proxy at, without a trailing slash. */
  readonly publicBase: string;
  /** Headers the identity methods read: never forwarded upstream. */
  readonly identityHeaders: readonly string[];
  /** Names the caller of a request to the MCP endpoint at local path `endpoint` (e.g. /glean/mcp), or refuses it. */
  identify(req: IncomingMessage, endpoint: string): Verdict | Promise<Verdict>;
  /** The protected resource metadata served at `path`, when it is one of this proxy's (a jwt method is configured). */
  metadata(path: string, isEndpoint: (endpoint: string) => boolean): Record<string, unknown> | undefined;
  /** Whether the request comes from this machine (by the address believed: a trusted proxy's X-Forwarded-For counts). */
  isLocal(req: IncomingMessage): boolean;
  /** Whether the request comes from a metricsFrom address (Prometheus in the cluster), which may read /metrics. */
  mayScrape(req: IncomingMessage): boolean;
  /**
   * Refuses a request that presents an MCP session another caller opened; a
   * promise when the owner must be asked of the replicas' Redis (a session
   * this replica has not seen).
   */
  sessionRefusal(server: string, sessionId: string | undefined, principal: Principal): Refusal | undefined | Promise<Refusal | undefined>;
  claimSession(server: string, sessionId: string, principal: Principal): void;
  endSession(server: string, sessionId: string): void;
  /** Who owns each MCP session (server and session id → user): kept across a reload. */
  readonly sessions: SessionOwners;
  /** The identity methods and what they depend on, for status and doctor. */
  describe(): Promise<Array<{ type: string; ok: boolean; detail: string }>>;
  close(): void;
}

export interface TeamAccessOptions {
  config: Config;
  /** The listener's own URL, when no publicUrl is configured (team mode on loopback). */
  listenUrl: string;
  env: NodeJS.ProcessEnv;
  onResult?: (method: string, result: 'ok' | 'refused') => void;
  /** The Redis replicas share (API keys and session owners live there then). */
  redis?: SharedRedis;
  /** The session owners of the access this one replaces (a reload). */
  sessions?: SessionOwners;
}

export function createTeamAccess(options: TeamAccessOptions): TeamAccess {
  const { config } = options;
  const publicUrl = new URL(config.publicUrl ?? options.listenUrl);
  const publicBase = publicUrl.href.replace(/\/+$/, '');
  const publicPath = publicUrl.pathname.replace(/\/+$/, '');
  const chain: IdentityChain = createIdentityChain({
    methods: config.identity ?? [],
    env: options.env,
    ...(config.trustedProxies ? { trustedProxies: addressList(config.trustedProxies) } : {}),
    ...(options.onResult ? { onResult: options.onResult } : {}),
    ...(options.redis ? { redis: options.redis } : {}),
  });
  const scrapers = config.metricsFrom ? addressList(config.metricsFrom) : undefined;
  const jwts = (config.identity ?? []).filter((m): m is JwtIdentityConfig => m.type === 'jwt');
  const scopes = [...new Set(jwts.flatMap((m) => m.scopes ?? []))];
  const metadataUrl = (endpoint: string) => `${publicUrl.origin}${METADATA_PREFIX}${publicPath}${endpoint}`;
  /** Who owns each MCP session, by server and session id. */
  const sessions = options.sessions ?? new SessionOwners();
  const shared = options.redis ? sharedSessions(options.redis) : undefined;

  const audiences = new Map<string, readonly string[]>();
  const withChallenge = (verdict: ChainVerdict, endpoint: string): Verdict => {
    if ('principal' in verdict) return verdict;
    const presented = verdict.refusal.code !== 'CALLER_UNKNOWN';
    return { ...verdict, challenge: challenge(endpoint, verdict.refusal, presented) };
  };
  const challenge = (endpoint: string, refusal: Refusal, presented: boolean): string | undefined => {
    if (refusal.status !== 401) return undefined;
    const parts = jwts.length > 0 ? [`resource_metadata="${metadataUrl(endpoint)}"`] : ['realm="mcp-auth-proxy"'];
    if (scopes.length > 0) parts.push(`scope="${scopes.join(' ')}"`);
    // A token was sent and refused: say so (RFC 6750), so the agent signs in again instead of retrying it.
    if (presented) parts.push('error="invalid_token"', `error_description="${quotable(refusal.message)}"`);
    return `Bearer ${parts.join(', ')}`;
  };

  return {
    publicBase,
    sessions,
    identityHeaders: chain.headers,
    identify(req, endpoint) {
      let resources = audiences.get(endpoint);
      if (!resources) {
        // Endpoints are the configured servers' routes (a bounded set): their audiences are built once.
        resources = Object.freeze([publicBase + endpoint, publicBase, `${publicBase}/`]);
        if (audiences.size < 1_000) audiences.set(endpoint, resources);
      }
      const verdict = chain.authenticate(req, resources);
      return verdict instanceof Promise ? verdict.then((settled) => withChallenge(settled, endpoint)) : withChallenge(verdict, endpoint);
    },
    metadata(path, isEndpoint) {
      if (jwts.length === 0 || !path.startsWith(METADATA_PREFIX)) return undefined;
      let endpoint = path.slice(METADATA_PREFIX.length);
      if (endpoint !== '' && !endpoint.startsWith('/')) return undefined;
      if (publicPath !== '' && endpoint.startsWith(`${publicPath}/`)) endpoint = endpoint.slice(publicPath.length);
      if (endpoint !== '' && !isEndpoint(endpoint)) return undefined;
      return {
        resource: publicBase + endpoint,
        authorization_servers: [...new Set(jwts.map((m) => m.issuer))],
        bearer_methods_supported: ['header'],
        ...(scopes.length > 0 ? { scopes_supported: scopes } : {}),
        resource_name: 'mcp-auth-proxy',
      };
    },
    isLocal(req) {
      // The socket decides, never X-Forwarded-For: a caller whose own address lies inside trustedProxies (a VPN range)
      // could write "127.0.0.1" there. A trusted proxy on this machine (a sidecar) forwards others' requests, which
      // carry its forwarding header; without one the request is its host's own (the CLI on the same machine).
      const socket = req.socket.remoteAddress;
      if (socket === undefined || !isLoopbackAddress(socket)) return false;
      return !chain.fromTrustedProxy(req) || (req.headers['x-forwarded-for'] === undefined && req.headers.forwarded === undefined);
    },
    mayScrape(req) {
      // The socket's address, never X-Forwarded-For (as for isLocal): a scraper connects to the pod itself.
      const socket = req.socket.remoteAddress;
      if (!scrapers || socket === undefined) return false;
      const address = socket.startsWith('::ffff:') ? socket.slice(7) : socket;
      return scrapers.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
    },
    sessionRefusal(server, sessionId, principal) {
      if (sessionId === undefined) return undefined;
      const owner = sessions.owner(server, sessionId);
      if (owner === undefined && shared) {
        // Issued through another replica, maybe: its owner is in Redis (and remembered here once known).
        return shared.owner(`${server}\n${sessionId}`).then((found) => {
          if (found !== undefined) sessions.claim(server, sessionId, found);
          return ownerRefusal(found, principal);
        });
      }
      return ownerRefusal(owner, principal);
    },
    claimSession(server, sessionId, principal) {
      sessions.claim(server, sessionId, principal.user);
      shared?.claim(`${server}\n${sessionId}`, principal.user);
    },
    endSession(server, sessionId) {
      sessions.end(server, sessionId);
      shared?.end(`${server}\n${sessionId}`);
    },
    async describe() {
      return Promise.all(
        chain.methods.map(async (method) => {
          const checked = method.check ? await method.check() : { ok: true, detail: describeMethod(method.type, config) };
          return { type: method.type, ...checked };
        }),
      );
    },
    close: () => chain.close(),
  };
}

/** The refusal for a request presenting a session owned by `owner` (undefined: no owner on record anywhere). */
function ownerRefusal(owner: string | undefined, principal: Principal): Refusal | undefined {
  if (owner === principal.user) return undefined;
  // No owner on record (a restart, an eviction, an id no replica saw issued): the spec's 404 has the agent
  // initialize again, where forwarding would let whoever presents an id first become its owner.
  if (owner === undefined) return { status: 404, code: 'SESSION_UNKNOWN', message: 'this proxy knows no such MCP session; start a new one (initialize)' };
  return { status: 403, code: 'SESSION_NOT_YOURS', message: 'this MCP session was opened by another caller; start your own (initialize)' };
}

function describeMethod(type: string, config: Config): string {
  if (type === 'trustedHeader') return `believed from ${config.trustedProxies?.join(', ') ?? 'no address'}`;
  return 'configured';
}

function isLoopbackAddress(address: string): boolean {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}

/** A text safe inside a quoted-string of an HTTP header. */
function quotable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, ' ').replace(/["\\]/g, "'");
}
