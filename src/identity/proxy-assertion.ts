// The proxyAssertion method: the signed identity header an access proxy in
// front adds, verified against that proxy's JWKS and audience.
import type { ProxyAssertionConfig } from '../config/team-schema.js';
import { ASSERTION_HEADERS } from '../config/team-values.js';
import { createJwtVerifier, type JwtVerifier } from './jwt-verifier.js';
import { principalFrom, refuse, type IdentityMethod } from './method.js';
import { VerifiedTokens } from './verified-cache.js';

/** The signed assertion an access proxy in front adds (Cloudflare Access, Google IAP, Pomerium). */
export function proxyAssertionMethod(config: ProxyAssertionConfig, now: () => number = Date.now): IdentityMethod {
  const verified = new VerifiedTokens(now);
  const header = (config.header ?? ASSERTION_HEADERS[config.provider as keyof typeof ASSERTION_HEADERS]).toLowerCase();
  const verifier: JwtVerifier = createJwtVerifier({ jwksUri: async () => new URL(config.jwksUri), ...(config.issuer ? { issuer: config.issuer } : {}), clockToleranceMs: 30_000, now });
  return {
    type: 'proxyAssertion',
    headers: [header],
    authenticate(req) {
      const assertion = req.headers[header];
      if (assertion === undefined) return undefined;
      if (typeof assertion !== 'string') return refuse('ASSERTION_INVALID', `more than one ${header} header`);
      const known = verified.get('', assertion);
      if (known) return { principal: known };
      return verifier.verify(assertion, config.audience).then((result) => {
        const decided = principalFrom(result, config.claims, 'proxyAssertion');
        if (decided && 'principal' in decided && 'payload' in result) verified.set('', assertion, decided.principal, result.payload.exp);
        return decided;
      });
    },
    check: () => verifier.reachable(),
  };
}

