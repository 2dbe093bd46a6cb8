// `login <server>` for an OAuth server: check the keychain first (so the user
// does not sign in for nothing), run the browser sign-in, keep the tokens,
// add the config entry when creating one, then prove the token upstream.
import { createBearerSigner } from '../auth/bearer.js';
import { userConfigFile } from '../config/paths.js';
import type { OAuthConfig, ServerConfig } from '../config/schema.js';
import { upsertServer } from '../config/user-file.js';
import { AppError } from '../errors.js';
import { verifyServer } from '../doctor/signed-request.js';
import { OAuthCredentials } from '../oauth/credentials.js';
import { oauthLogin } from '../oauth/login.js';
import { openResolver, openStores } from '../secrets/stores.js';
import { print, type CommandContext } from './context.js';
import { serverEntry } from './new-server.js';
import { nextStep } from './next-step.js';
import { INSECURE_WARNING, noKeychain } from './store-secret.js';

export interface OAuthLoginRequest {
  name: string;
  server: ServerConfig;
  creating: boolean;
  options: { browser?: boolean; timeout?: number; verify?: boolean; insecureStorage?: boolean; config?: string };
  progress: (text: string) => void;
  stdin: NodeJS.ReadableStream;
}

export const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60_000;

export async function loginOAuth(ctx: CommandContext, request: OAuthLoginRequest): Promise<void> {
  const { name, server, options, progress } = request;
  const auth = server.auth as OAuthConfig;
  const stores = openStores(ctx.env);
  if (options.insecureStorage) progress(INSECURE_WARNING);
  else await stores.keychain.get('mcp-auth-proxy-probe').catch((error: unknown) => Promise.reject(noKeychain(error)));

  const clientSecret = auth.clientSecret
    ? await openResolver(ctx.env, ctx.redactor).resolve(auth.clientSecret, `servers.${name}.auth.clientSecret`, name)
    : undefined;
  const credentials = new OAuthCredentials(name, stores, Boolean(options.insecureStorage));
  const tokens = await oauthLogin({
    name,
    url: server.url,
    auth,
    credentials,
    ...(clientSecret ? { clientSecret } : {}),
    browser: options.browser !== false,
    timeoutMs: options.timeout ?? DEFAULT_LOGIN_TIMEOUT_MS,
    progress,
    // With --no-browser the browser may be on another machine: let the user paste where it landed.
    ...(options.browser === false ? { pasteInput: request.stdin } : {}),
  }).catch((error: unknown) => Promise.reject(noKeychain(error)));
  ctx.redactor.add(tokens.accessToken);
  if (tokens.refreshToken) ctx.redactor.add(tokens.refreshToken);

  if (request.creating) {
    const file = userConfigFile(ctx.env);
    await upsertServer(file, name, serverEntry(server));
    progress(`Added server "${name}" to ${file}`);
  }
  const expiry = tokens.expiresAt ? `; the access token is valid until ${new Date(tokens.expiresAt).toISOString()}` : '';
  const refresh = tokens.refreshToken ? ' and is refreshed automatically' : ' (no refresh token was issued: sign in again when it expires)';
  print(ctx, `Signed in to "${name}" at ${tokens.issuer}${expiry}${refresh}. Tokens are in the ${credentials.label}.`);

  if (options.verify !== false) {
    progress(`Checking the token with one initialize request to ${server.url} ...`);
    const result = await verifyServer({ name, server, signer: createBearerSigner(tokens.accessToken) });
    if (!result.ok) {
      throw new AppError('VERIFY_FAILED', `Signed in, but ${server.url} did not accept the token: ${result.detail}`, {
        hint: 'Check the server URL and scopes, or run with --no-verify to skip this check.',
      });
    }
    print(ctx, `✓ ${server.url} accepted the token (${result.detail}).`);
  }
  print(ctx, await nextStep(ctx, name, { ...(options.config ? { config: options.config } : {}), picksUpItself: !request.creating }));
}
