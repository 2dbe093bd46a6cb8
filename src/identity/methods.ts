// The identity methods of team mode, one small object each behind one
// interface: given the request (and what the proxy knows of where it came
// from), a principal, a refusal, or nothing (the request carries no
// credential of this kind, so the next method is asked).
import type { IncomingMessage } from 'node:http';
import { ASSERTION_HEADERS, type ApiKeyIdentityConfig, type JwtIdentityConfig, type ProxyAssertionConfig, type TrustedHeaderConfig } from '../config/team-schema.js';
import { createJwtVerifier, jwksFromIssuer, type JwtVerifier } from './jwt-verifier.js';
import { KEY_PREFIX, KeyStore, UsageRecorder, defaultKeyStoreFile } from './key-store.js';
import { groupsOf, isEmail, type IdentityMethodType, type IdentityResult, type Principal, type Refusal } from './principal.js';

export interface RequestContext {
  /** The audiences a token for this request may carry by default: the URL of the server called, and publicUrl. */
  resources: readonly string[];
  /** Whether the connection comes from a trustedProxies address. */
  fromTrustedProxy: boolean;
}

export interface IdentityMethod {
  readonly type: IdentityMethodType;
  /** Headers this method reads: never forwarded upstream in team mode. */
  readonly headers: readonly string[];
  authenticate(req: IncomingMessage, context: RequestContext): IdentityResult | Promise<IdentityResult>;
  /** For doctor and status: whether what it depends on answers (JWKS, key store). */
  check?(): Promise<{ ok: boolean; detail: string }>;
  close?(): void;
}

const refuse = (code: string, message: string, status: 401 | 403 = 401): { refusal: Refusal } => ({ refusal: { status, code, message } });

/** The bearer token of `Authorization: Bearer <token>`, if that is what the header holds. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  return header.slice(7).trim() || undefined;
}

export function apiKeyMethod(config: ApiKeyIdentityConfig, env: NodeJS.ProcessEnv, now: () => number = Date.now): IdentityMethod {
  const store = new KeyStore(config.store ?? defaultKeyStoreFile(env), now);
  const usage = new UsageRecorder(store.file);
  return {
    type: 'apiKey',
    headers: ['authorization'],
    authenticate(req) {
      const token = bearerToken(req);
      if (token === undefined || !token.startsWith(KEY_PREFIX)) return undefined;
      const checked = store.check(token);
      if ('reason' in checked) {
        // The same answer for an unknown id and a wrong secret: nothing tells which ids exist.
        return checked.reason === 'expired' ? refuse('KEY_EXPIRED', 'this API key has expired; ask for a new one (`mcp-auth-proxy keys create`)') : refuse('KEY_UNKNOWN', 'this API key is not valid (unknown, revoked or mistyped)');
      }
      usage.used(checked.record.id, new Date(now()));
      return { principal: { user: checked.record.user, groups: checked.record.groups, method: 'apiKey', keyId: checked.record.id } };
    },
    async check() {
      try {
        store.refresh();
        const count = store.list().length;
        return { ok: true, detail: `${count} key${count === 1 ? '' : 's'} in ${store.file}` };
      } catch (error) {
        return { ok: false, detail: `${store.file}: ${(error as Error).message}` };
      }
    },
    close: () => usage.flush(),
  };
}

/** Bearer JWTs from the company's identity provider (also the access tokens agents get by MCP authorization). */
export function jwtMethod(config: JwtIdentityConfig): IdentityMethod {
  const verifier = createJwtVerifier({
    jwksUri: config.jwksUri ? async () => new URL(config.jwksUri as string) : jwksFromIssuer(config.issuer),
    issuer: config.issuer,
    clockToleranceMs: config.clockTolerance,
    ...(config.algorithms ? { algorithms: config.algorithms } : {}),
  });
  return {
    type: 'jwt',
    headers: ['authorization'],
    async authenticate(req, context) {
      const token = bearerToken(req);
      if (token === undefined) return undefined;
      if (token.split('.').length !== 3) return refuse('TOKEN_INVALID', 'the bearer token is neither an API key of this proxy nor a JWT');
      return principalFrom(await verifier.verify(token, config.audience ?? context.resources), config.claims, 'jwt');
    },
    check: () => verifier.reachable(),
  };
}

/** The signed assertion an access proxy in front adds (Cloudflare Access, Google IAP, Pomerium). */
export function proxyAssertionMethod(config: ProxyAssertionConfig): IdentityMethod {
  const header = (config.header ?? ASSERTION_HEADERS[config.provider as keyof typeof ASSERTION_HEADERS]).toLowerCase();
  const verifier: JwtVerifier = createJwtVerifier({ jwksUri: async () => new URL(config.jwksUri), ...(config.issuer ? { issuer: config.issuer } : {}), clockToleranceMs: 30_000 });
  return {
    type: 'proxyAssertion',
    headers: [header],
    async authenticate(req) {
      const assertion = req.headers[header];
      if (assertion === undefined) return undefined;
      if (typeof assertion !== 'string') return refuse('ASSERTION_INVALID', `more than one ${header} header`);
      return principalFrom(await verifier.verify(assertion, config.audience), config.claims, 'proxyAssertion');
    },
    check: () => verifier.reachable(),
  };
}

/** A plain identity header (oauth2-proxy's X-Auth-Request-Email), believed only from trustedProxies addresses. */
export function trustedHeaderMethod(config: TrustedHeaderConfig): IdentityMethod {
  const header = config.header.toLowerCase();
  const groupsHeader = config.groupsHeader?.toLowerCase();
  return {
    type: 'trustedHeader',
    headers: groupsHeader ? [header, groupsHeader] : [header],
    authenticate(req, context) {
      const value = req.headers[header];
      if (value === undefined) return undefined;
      // From anywhere else the header is a claim anyone can make: refused, never believed.
      if (!context.fromTrustedProxy) return refuse('UNTRUSTED_IDENTITY_HEADER', `${config.header} is believed only from the proxies in trustedProxies`, 403);
      if (!isEmail(value)) return refuse('IDENTITY_HEADER_INVALID', `${config.header} does not hold one email address`);
      const groups = groupsHeader ? groupsOf(req.headers[groupsHeader]) : [];
      return { principal: { user: value, groups, method: 'trustedHeader' } };
    },
  };
}

function principalFrom(verified: Awaited<ReturnType<JwtVerifier['verify']>>, claims: { user: string; groups: string }, method: 'jwt' | 'proxyAssertion'): IdentityResult {
  if ('reason' in verified) return refuse(verified.code, verified.reason);
  const user = verified.payload[claims.user];
  if (!isEmail(user)) return refuse('TOKEN_NO_EMAIL', `the token's "${claims.user}" claim is not an email address; set identity[].claims.user to the claim that holds it`, 403);
  const principal: Principal = { user: user.toLowerCase(), groups: groupsOf(verified.payload[claims.groups]), method };
  return { principal };
}
