// The OAuth login: discover the authorization server, get a client id, send
// the user's browser to the authorization endpoint (PKCE S256, state,
// resource), take the loopback redirect (state and iss checked), exchange
// the code and keep the tokens and registration in the secret store.
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
import { clientAuth, oauthErrorText, obtainClient } from './client.js';
import type { OAuthCredentials, OAuthTokens } from './credentials.js';
import { discover } from './discovery.js';
import { requestOptions } from './http.js';
import { listenForRedirect, type LoopbackListener } from './loopback.js';
import { tokensFrom } from './tokens.js';

export interface OAuthLoginInput {
  name: string;
  url: string;
  auth: OAuthConfig;
  credentials: OAuthCredentials;
  clientSecret?: string;
  /** Open the system browser (false: only print the URL, for SSH sessions). */
  browser: boolean;
  timeoutMs: number;
  /** Progress lines, and the line that carries the URL to open. */
  progress: (text: string) => void;
  /** Told the URL once it is ready (tests follow it). */
  onAuthorizationUrl?: (url: string) => void;
  /** Lines the user may paste the final redirect address into (a browser on another machine). */
  pasteInput?: NodeJS.ReadableStream;
  now?: () => number;
}

export async function oauthLogin(input: OAuthLoginInput): Promise<OAuthTokens> {
  const { name, auth, credentials, progress } = input;
  const now = input.now ?? Date.now;
  const { as, resource, scope } = await discover(name, input.url, auth, progress);
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
    // A static client is recorded too (without its secret, which stays a config reference): it binds the id to this issuer.
    const { clientSecret: _fromConfig, ...record } = client;
    await credentials.saveClient(client.method === 'static' ? record : client);
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

    const opened = input.browser && (await openBrowser(authorizeUrl.href));
    progress(opened ? 'Opened your browser to sign in. If it did not open, visit:' : 'Open this URL in a browser to sign in:');
    progress(`  ${authorizeUrl.href}`);
    progress(`Waiting for the sign-in to come back to ${listener.redirectUri} ...`);
    const stopPaste = input.pasteInput ? acceptPastes(input.pasteInput, listener, progress) : undefined;
    input.onAuthorizationUrl?.(authorizeUrl.href);

    const redirect = await listener.wait(input.timeoutMs, state).finally(() => stopPaste?.());
    const [oauthClient, authentication] = clientAuth(client, as);
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
    } catch (error) {
      redirect.finish(false, 'Exchanging the authorization code failed; see the terminal.');
      if (error instanceof AppError) throw error;
      throw new AppError('OAUTH_TOKEN_FAILED', `${name}: the token endpoint ${as.token_endpoint} refused the code: ${oauthErrorText(error)}`, { cause: error });
    }
    try {
      await credentials.saveTokens(tokens);
    } catch (error) {
      redirect.finish(false, 'Signed in, but the tokens could not be stored; see the terminal.');
      throw error;
    }
    redirect.finish(true, `mcp-auth-proxy is signed in to ${name}. You can close this tab.`);
    return tokens;
  } finally {
    listener.close();
  }
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
