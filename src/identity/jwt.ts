// The jwt method: bearer JWTs from the company's identity provider (also the
// access tokens agents get by MCP authorization against it), verified
// against its JWKS: issuer, audience, expiry, asymmetric algorithms only.
import type { JwtIdentityConfig } from '../config/team-schema.js';
import { createJwtVerifier, jwksFromIssuer } from './jwt-verifier.js';
import { bearerToken, principalFrom, refuse, type IdentityMethod } from './method.js';

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

