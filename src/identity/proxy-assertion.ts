// The proxyAssertion method: the signed identity header an access proxy in
// front adds, verified against that proxy's JWKS and audience.
import { ASSERTION_HEADERS, type ProxyAssertionConfig } from '../config/team-schema.js';
import { createJwtVerifier, type JwtVerifier } from './jwt-verifier.js';
import { principalFrom, refuse, type IdentityMethod } from './method.js';

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

