// The jwt method: bearer JWTs from the company's identity provider (also the
// access tokens agents get by MCP authorization against it), verified
// against its JWKS: issuer, audience, expiry, asymmetric algorithms only.
import { KEY_PREFIX } from './key-store.js';
import type { JwtIdentityConfig } from '../config/team-schema.js';
import { createJwtVerifier, jwksFromIssuer } from './jwt-verifier.js';
import { bearerToken, principalFrom, refuse, type IdentityMethod } from './method.js';
import { VerifiedTokens } from './verified-cache.js';

/** Bearer JWTs from the company's identity provider (also the access tokens agents get by MCP authorization). */
export function jwtMethod(config: JwtIdentityConfig, now: () => number = Date.now): IdentityMethod {
  const verified = new VerifiedTokens(now);
  const verifier = createJwtVerifier({
    jwksUri: config.jwksUri ? async () => new URL(config.jwksUri as string) : jwksFromIssuer(config.issuer),
    issuer: config.issuer,
    clockToleranceMs: config.clockTolerance,
    ...(config.algorithms ? { algorithms: config.algorithms } : {}),
    now,
  });
  return {
    type: 'jwt',
    headers: ['authorization'],
    authenticate(req, context) {
      const token = bearerToken(req);
      // An API key of this proxy is the apiKey method's to judge, whichever comes first in `identity`.
      if (token === undefined || token.startsWith(KEY_PREFIX)) return undefined;
      // The audience a token was checked for is part of what was verified: a token for one server is not one for another.
      const audience = config.audience ? '' : (context.resources[0] as string);
      const known = verified.get(audience, token);
      if (known) return { principal: known };
      if (token.split('.').length !== 3) return refuse('TOKEN_INVALID', 'the bearer token is neither an API key of this proxy nor a JWT');
      return verifier.verify(token, config.audience ?? context.resources).then((result) => {
        const decided = principalFrom(result, config.claims, 'jwt');
        if (decided && 'principal' in decided && 'payload' in result) verified.set(audience, token, decided.principal, result.payload.exp);
        return decided;
      });
    },
    check: () => verifier.reachable(),
  };
}

