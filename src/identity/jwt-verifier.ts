// Verifies a signed JWT against a JWKS (jose): the keys are fetched once and
// cached, fetched again on an unknown `kid` (a key rotation), issuer and
// audience checked, exp and nbf with a small clock tolerance, and only
// asymmetric algorithms accepted (an `alg: none` token, or an HS256 one
// "signed" with a public key, is refused). Shared by the jwt and
// proxyAssertion identity methods. jose loads with the keys, at the first
// token: a proxy that never sees one (local mode, API keys only) never loads it.
import type { JWTPayload, createRemoteJWKSet } from 'jose';
import { JWT_ALGORITHMS } from '../config/team-values.js';

export interface VerifierOptions {
  /** The JWKS, or how to find it (the issuer's metadata) on first use. */
  jwksUri: () => Promise<URL>;
  issuer?: string;
  /** Accepted audiences for this request (any one must be in the token's `aud`). */
  clockToleranceMs: number;
  algorithms?: readonly string[];
  /** The clock exp and nbf are checked against (tests move it). */
  now?: () => number;
}

export type Verified = { payload: JWTPayload } | { reason: string; code: string };

export interface JwtVerifier {
  verify(token: string, audience: string | readonly string[]): Promise<Verified>;
  /** Whether the JWKS can be fetched now (doctor, status). */
  reachable(): Promise<{ ok: boolean; detail: string }>;
}

type Jose = typeof import('jose');
type KeySet = { jose: Jose; jwks: ReturnType<typeof createRemoteJWKSet> };

export function createJwtVerifier(options: VerifierOptions): JwtVerifier {
  let keys: KeySet | undefined;
  let finding: Promise<KeySet> | undefined;
  const keySet = () => {
    if (keys) return Promise.resolve(keys);
    finding ??= Promise.all([options.jwksUri(), import('jose')]).then(
      ([uri, jose]) => (keys = { jose, jwks: jose.createRemoteJWKSet(uri, { cooldownDuration: 30_000, cacheMaxAge: 5 * 60_000, timeoutDuration: 5_000 }) }),
      (error: unknown) => {
        finding = undefined; // try again at the next request
        throw error;
      },
    );
    return finding;
  };
  return {
    async verify(token, audience) {
      let set: KeySet;
      try {
        set = await keySet();
      } catch (error) {
        return { code: 'IDENTITY_PROVIDER_UNREACHABLE', reason: `the identity provider's keys cannot be fetched (${(error as Error).message})` };
      }
      try {
        const { payload } = await set.jose.jwtVerify(token, set.jwks, {
          ...(options.issuer ? { issuer: options.issuer } : {}),
          audience: [...(typeof audience === 'string' ? [audience] : audience)],
          algorithms: [...(options.algorithms ?? JWT_ALGORITHMS)],
          clockTolerance: Math.round(options.clockToleranceMs / 1000),
          ...(options.now ? { currentDate: new Date(options.now()) } : {}),
        });
        return { payload };
      } catch (error) {
        return describe(error, set.jose.errors);
      }
    },
    async reachable() {
      try {
        const uri = await options.jwksUri();
        const response = await fetch(uri, { signal: AbortSignal.timeout(5_000) });
        await response.body?.cancel();
        return response.ok ? { ok: true, detail: `JWKS at ${uri.href}` } : { ok: false, detail: `${uri.href} answered HTTP ${response.status}` };
      } catch (error) {
        return { ok: false, detail: (error as Error).message };
      }
    },
  };
}

/** A reason a user can act on, and a stable code; never the token. */
function describe(error: unknown, errors: Jose['errors']): { reason: string; code: string } {
  if (error instanceof errors.JWTExpired) return { code: 'TOKEN_EXPIRED', reason: 'the token has expired; sign in again' };
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return { code: 'TOKEN_WRONG_AUDIENCE', reason: 'the token was issued for another audience than this proxy' };
    if (error.claim === 'iss') return { code: 'TOKEN_WRONG_ISSUER', reason: 'the token was issued by another identity provider' };
    if (error.claim === 'nbf') return { code: 'TOKEN_NOT_YET_VALID', reason: 'the token is not valid yet (check the clocks)' };
    return { code: 'TOKEN_INVALID', reason: `the token's ${error.claim} claim is not acceptable` };
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return { code: 'TOKEN_ALGORITHM', reason: 'the token is signed with an algorithm this proxy does not accept' };
  if (error instanceof errors.JWKSNoMatchingKey) return { code: 'TOKEN_UNKNOWN_KEY', reason: "the token is signed with a key the identity provider does not publish" };
  if (error instanceof errors.JWSSignatureVerificationFailed) return { code: 'TOKEN_BAD_SIGNATURE', reason: 'the token signature does not verify' };
  // The key set could not be had: a network failure (not a JOSE error at all), a timeout, a non-200 or broken JWKS.
  const jwksProblem = error instanceof errors.JOSEError && (error.code === 'ERR_JWKS_INVALID' || (error.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/.test(error.message)));
  if (!(error instanceof errors.JOSEError) || error instanceof errors.JWKSTimeout || jwksProblem) {
    return { code: 'IDENTITY_PROVIDER_UNREACHABLE', reason: "the identity provider's keys cannot be fetched; try again shortly" };
  }
  return { code: 'TOKEN_INVALID', reason: 'the token is not a valid signed JWT' };
}

/** The JWKS of `issuer`, from its OpenID configuration or OAuth metadata (RFC 8414), found once. */
export function jwksFromIssuer(issuer: string): () => Promise<URL> {
  let found: Promise<URL> | undefined;
  return () => {
    found ??= discover(issuer).catch((error: unknown) => {
      found = undefined;
      throw error;
    });
    return found;
  };
}

async function discover(issuer: string): Promise<URL> {
  const base = new URL(issuer);
  const path = base.pathname.replace(/\/$/, '');
  const candidates = [new URL(`${base.origin}${path}/.well-known/openid-configuration`), new URL(`${base.origin}/.well-known/oauth-authorization-server${path}`)];
  for (const url of candidates) {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: 'error' }).catch(() => undefined);
    if (!response?.ok) {
      await response?.body?.cancel();
      continue;
    }
    const metadata = (await response.json().catch(() => undefined)) as { issuer?: unknown; jwks_uri?: unknown } | undefined;
    if (typeof metadata?.jwks_uri === 'string' && (metadata.issuer === undefined || metadata.issuer === issuer || metadata.issuer === base.href)) return new URL(metadata.jwks_uri);
  }
  throw new Error(`no metadata naming a jwks_uri at ${candidates.map((u) => u.href).join(' or ')}`);
}
