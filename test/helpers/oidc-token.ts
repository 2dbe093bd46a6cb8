// Gets an access token from the test identity provider the way an agent's
// OAuth client does: discovery, dynamic registration, PKCE and the
// authorization code flow with a `resource` (RFC 8707), the "browser"
// following redirects. For identity tests that need a real token in hand.
import * as oauth from 'oauth4webapi';
import { followToRedirect } from './browser.js';
import type { TestIdp, TestUser } from './oidc-idp.js';

const REDIRECT = 'http://127.0.0.1:1/callback';

export async function idpAccessToken(idp: TestIdp, resource: string, user: TestUser): Promise<string> {
  idp.signInAs(user);
  const issuer = new URL(idp.issuer);
  const insecure = { [oauth.allowInsecureRequests]: true };
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }));
  const registered = await oauth.processDynamicClientRegistrationResponse(
    await oauth.dynamicClientRegistrationRequest(as, { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], response_types: ['code'] }, insecure),
  );
  const client: oauth.Client = { client_id: registered.client_id };
  const verifier = oauth.generateRandomCodeVerifier();
  const authorize = new URL(as.authorization_endpoint as string);
  authorize.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid email',
    resource,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: 'st',
  }).toString();
  const landed = await followToRedirect(authorize.href, REDIRECT);
  const params = oauth.validateAuthResponse(as, client, landed, 'st');
  const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, { additionalParameters: { resource }, ...insecure });
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
  return tokens.access_token;
}
