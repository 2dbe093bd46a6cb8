// Best-effort RFC 7009 revocation of a refresh token at logout: the server
// forgets the grant, so a copy of the token left anywhere is worthless.
import { processRevocationResponse, revocationRequest } from 'oauth4webapi';
import { clientAuth, oauthErrorText } from './client.js';
import type { OAuthClientRecord, OAuthTokens } from './credentials.js';
import { requestOptions } from './http.js';
import { storedServer } from './tokens.js';

/** Resolves to a note for the user: what was revoked, or why not. */
export async function revokeRefreshToken(tokens: OAuthTokens, client: OAuthClientRecord | undefined): Promise<string> {
  if (!tokens.refreshToken) return 'no refresh token to revoke';
  if (!tokens.revocationEndpoint) return `${tokens.issuer} offers no revocation endpoint; the grant stays valid there until it expires`;
  const as = storedServer(tokens);
  const record = client?.clientId === tokens.clientId ? client : { clientId: tokens.clientId };
  const [oauthClient, authentication] = clientAuth(record, as);
  try {
    const response = await revocationRequest(as, oauthClient, authentication, tokens.refreshToken, {
      additionalParameters: { token_type_hint: 'refresh_token' },
      ...requestOptions(tokens.revocationEndpoint),
    });
    await processRevocationResponse(response);
    return `revoked the refresh token at ${tokens.issuer}`;
  } catch (error) {
    return `could not revoke the refresh token at ${tokens.issuer} (${oauthErrorText(error)}); it was removed here anyway`;
  }
}
