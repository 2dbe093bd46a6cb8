// The OAuth login: discover the authorization server, get a client id, send
// the user's browser to the authorization endpoint (PKCE S256, state,
// resource), take the loopback redirect (state and iss checked) and exchange
// the code; or, for a service account (grant client_credentials), ask the
// token endpoint directly. Nothing is stored here: the caller saves the
// tokens and the client registration once the server accepted the token, so
// a failed login never replaces a working one.
import {
  authorizationCodeGrantRequest,
  calculatePKCECodeChallenge,
  generateRandomCodeVerifier,
  generateRandomState,
  processAuthorizationCodeResponse,
  validateAuthResponse,
  AuthorizationResponseError,
} from 'oauth4webapi';
import { createInterface } from 'node:readline';
import type { OAuthConfig } from '../config/schema.js';
import { AppError } from '../errors.js';
import { openBrowser } from './browser.js';
import { authenticate, clientCredentialsLogin } from './client-credentials.js';
import { oauthErrorText, obtainClient } from './client.js';
import type { OAuthClientRecord, OAuthCredentials, OAuthTokens } from './credentials.js';
import { discover } from './discovery.js';
import { requestOptions } from './http.js';
import { listenForRedirect, type LoopbackListener } from './loopback.js';
import { unionScope } from './scope.js';
import { tokensFrom } from './tokens.js';

export interface OAuthLoginInput {
  name: string;
  url: string;
  auth: OAuthConfig;
  credentials: OAuthCredentials;
  /** The client's secret (auth.clientSecret) or PEM key (auth.privateKey), resolved or just entered. */
  clientSecret?: string;
  privateKey?: string;
  /** Open the system browser (false: only print the URL, for SSH sessions). */
  browser: boolean;
  timeoutMs: number;
  /** Progress lines, and the line that carries the URL to open. */
  progress: (text: string) => void;
  /** Told the URL once it is ready (tests follow it). */
  onAuthorizationUrl?: (url: string) => void;
  /** Lines the user may paste the final redirect address into (a browser on another machine). */
  pasteInput?: NodeJS.ReadableStream;
  /** The environment ($BROWSER names the browser to open). */
  env?: NodeJS.ProcessEnv;
  /** Scope the upstream has just asked for (a step-up in the stdio bridge), on top of what is stored. */
  extraScope?: string;
  now?: () => number;
}

export interface OAuthLoginResult {
  tokens: OAuthTokens;
  /** The registration to keep (a static client without its secret, which stays a config reference). */
  client: OAuthClientRecord;
}

export async function oauthLogin(input: OAuthLoginInput): Promise<OAuthLoginResult> {
  const { name, auth, credentials, progress } = input;
  const now = input.now ?? Date.now;
  const discovered = await discover(name, input.url, auth, progress);
  const { as, resource } = discovered;
  // A step-up: the new token must cover what the last one was granted and what the upstream asked for since.
  const previous = await credentials.loadTokens().catch(() => undefined);
  const sameGrant = previous && previous.issuer === as.issuer && previous.resource === resource ? previous : undefined;
  const scope = unionScope(discovered.scope, sameGrant?.scope, sameGrant?.requiredScope, input.extraScope);
  if (sameGrant?.requiredScope || input.extraScope) progress(`Asking for the scope the server requires now: ${scope}`);

  if (auth.grant === 'client_credentials') {
    const clientId = auth.clientId as string;
    progress(`Asking ${as.token_endpoint} for a token as client ${clientId} (client credentials, no browser) ...`);
    const tokens = await clientCredentialsLogin({
      server: name,
      as,
      proof: { clientId, ...secretsOf(input), ...(auth.signingAlgorithm ? { signingAlgorithm: auth.signingAlgorithm } : {}) },
      resource,
      ...(scope ? { scope } : {}),
      now: now(),
    });
    return { tokens, client: { issuer: as.issuer, clientId, method: 'static', registeredAt: now() } };
  }

  const stored = await credentials.loadClient();
  const wantedPort = auth.redirectPort ?? (stored?.method === 'dynamic' && stored.issuer === as.issuer && stored.redirectUri ? Number(new URL(stored.redirectUri).port) : 0);
  const listener = await listen(wantedPort, auth.redirectPort !== undefined);
  try {
    const client = await obtainClient(name, {
      as,
      auth,
      ...(input.clientSecret ? { clientSecret: input.clientSecret } : {}),
      ...(stored ? { stored } : {}),
      redirectUri: listener.redirectUri,
      now: now(),
    });
    const verifier = generateRandomCodeVerifier();
    const state = generateRandomState();
    const authorizeUrl = new URL(as.authorization_endpoint as string);
    const params = authorizeUrl.searchParams;
    params.set('response_type', 'code');
    params.set('client_id', client.clientId);
    params.set('redirect_uri', listener.redirectUri);
    params.set('code_challenge', await calculatePKCECodeChallenge(verifier));
    params.set('code_challenge_method', 'S256');
    params.set('state', state);
    params.set('resource', resource);
    if (scope) params.set('scope', scope);

    const opened = input.browser && (await openBrowser(authorizeUrl.href, input.env));
    progress(opened ? 'Opened your browser to sign in. If it did not open, visit:' : 'Open this URL in a browser to sign in:');
    progress(`  ${authorizeUrl.href}`);
    progress(`Waiting for the sign-in to come back to ${listener.redirectUri} ...`);
    const stopPaste = input.pasteInput ? acceptPastes(input.pasteInput, listener, progress) : undefined;
    input.onAuthorizationUrl?.(authorizeUrl.href);

    const redirect = await listener.wait(input.timeoutMs, state).finally(() => stopPaste?.());
    const [oauthClient, authentication] = await authenticate(
      { clientId: client.clientId, ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}), ...(client.tokenEndpointAuthMethod ? { tokenEndpointAuthMethod: client.tokenEndpointAuthMethod } : {}), ...keyOf(input, auth) },
      as,
      name,
    );
    let callback: URLSearchParams;
    try {
      callback = validateAuthResponse(as, oauthClient, redirect.url, state);
    } catch (error) {
      const refused = error instanceof AuthorizationResponseError;
      redirect.finish(false, refused ? `The authorization server refused: ${oauthErrorText(error)}` : 'The sign-in response did not check out; see the terminal.');
      throw new AppError(
        refused ? 'OAUTH_AUTHORIZATION_DENIED' : 'OAUTH_BAD_REDIRECT',
        refused ? `${name}: the authorization server refused the sign-in: ${oauthErrorText(error)}` : `${name}: rejected the sign-in redirect: ${(error as Error).message}`,
        { hint: refused ? 'Run the login again and approve the request.' : 'The redirect did not match this login (state or issuer); run the login again.' },
      );
    }
    let tokens: OAuthTokens;
    try {
      const response = await authorizationCodeGrantRequest(as, oauthClient, authentication, callback, listener.redirectUri, verifier, {
        additionalParameters: { resource },
        ...requestOptions(as.token_endpoint as string),
      });
      const result = await processAuthorizationCodeResponse(as, oauthClient, response);
      tokens = tokensFrom(name, result, { as, clientId: client.clientId, resource, now: now() });
      // The server may leave the granted scope unsaid: then it is what was asked for.
      if (!tokens.scope && scope) tokens.scope = scope;
    } catch (error) {
      redirect.finish(false, 'Exchanging the authorization code failed; see the terminal.');
      if (error instanceof AppError) throw error;
      throw new AppError('OAUTH_TOKEN_FAILED', `${name}: the token endpoint ${as.token_endpoint} refused the code: ${oauthErrorText(error)}`, { cause: error });
    }
    redirect.finish(true, `mcp-auth-proxy is signed in to ${name}. You can close this tab.`);
    // A static client is recorded too (without its secret, which stays a config reference): it binds the id to this issuer.
    const { clientSecret: _fromConfig, ...record } = client;
    return { tokens, client: client.method === 'static' ? record : client };
  } finally {
    listener.close();
  }
}

function secretsOf(input: OAuthLoginInput): { clientSecret?: string; privateKey?: string } {
  return { ...(input.clientSecret ? { clientSecret: input.clientSecret } : {}), ...(input.privateKey ? { privateKey: input.privateKey } : {}) };
}

/** A confidential client with a key authenticates with it (private_key_jwt) for the code exchange too. */
function keyOf(input: OAuthLoginInput, auth: OAuthConfig): { privateKey?: string; signingAlgorithm?: string } {
  if (!input.privateKey) return {};
  return { privateKey: input.privateKey, ...(auth.signingAlgorithm ? { signingAlgorithm: auth.signingAlgorithm } : {}) };
}

/** For SSH sessions: the browser runs elsewhere, so the user pastes the address it ends up at. */
function acceptPastes(stream: NodeJS.ReadableStream, listener: LoopbackListener, progress: (text: string) => void): () => void {
  progress(`If the browser runs on another machine, paste here the address it ends up at (${listener.redirectUri}?...), then press Enter.`);
  const lines = createInterface({ input: stream, terminal: false });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    if (!listener.paste(line)) progress('That is not the address this sign-in is waiting for; paste the whole address from the browser.');
  });
  return () => lines.close();
}

/** A fixed port must be free; a remembered one is only a preference (the client re-registers). */
async function listen(port: number, required: boolean): Promise<LoopbackListener> {
  try {
    return await listenForRedirect(port);
  } catch (error) {
    if (required || port === 0) {
      throw new AppError('OAUTH_REDIRECT_PORT', `Cannot listen for the sign-in redirect on 127.0.0.1:${port}: ${(error as NodeJS.ErrnoException).code ?? error}`, {
        hint: 'Free the port, or change auth.redirectPort.',
      });
    }
    return listenForRedirect(0);
  }
}
