// Turns a token endpoint response into the stored record: absolute expiry,
// the refresh token kept when the server did not rotate it, and what a later
// refresh needs (issuer, endpoints, client, resource).
import type { AuthorizationServer, TokenEndpointResponse } from 'oauth4webapi';
import { AppError } from '../errors.js';
import type { OAuthTokens } from './credentials.js';

export interface TokenContext {
  as: Pick<AuthorizationServer, 'issuer' | 'token_endpoint' | 'revocation_endpoint'>;
  clientId: string;
  resource: string;
  now: number;
  previous?: OAuthTokens;
}

export function tokensFrom(name: string, response: TokenEndpointResponse, context: TokenContext): OAuthTokens {
  if (response.token_type !== 'bearer') {
    throw new AppError('OAUTH_TOKEN_TYPE', `${name}: the authorization server issued a "${response.token_type}" token; only bearer tokens are supported`);
  }
  const { as, previous, now } = context;
  const refreshToken = response.refresh_token ?? previous?.refreshToken;
  const scope = response.scope ?? previous?.scope;
  return {
    accessToken: response.access_token,
    ...(refreshToken ? { refreshToken } : {}),
    ...(typeof response.expires_in === 'number' ? { expiresAt: now + response.expires_in * 1000 } : {}),
    ...(scope ? { scope } : {}),
    // A refresh keeps the scope the server has asked for since: only a new login can grant it.
    ...(previous?.requiredScope ? { requiredScope: previous.requiredScope } : {}),
    obtainedAt: now,
    ...(previous ? { lastRefreshAt: now } : {}),
    issuer: as.issuer,
    tokenEndpoint: as.token_endpoint as string,
    ...(as.revocation_endpoint ? { revocationEndpoint: as.revocation_endpoint } : {}),
    resource: context.resource,
    clientId: context.clientId,
  };
}

/** The authorization server as a refresh needs it, rebuilt from the stored record. */
export function storedServer(tokens: OAuthTokens): AuthorizationServer {
  return {
    issuer: tokens.issuer,
    token_endpoint: tokens.tokenEndpoint,
    ...(tokens.revocationEndpoint ? { revocation_endpoint: tokens.revocationEndpoint } : {}),
  };
}
