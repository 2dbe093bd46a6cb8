// `login <server>` for an OAuth server: take the client's secret or key when
// the config names one in the keychain (asked only when not stored yet, or
// with --stdin), sign in (browser, or client credentials for a service
// account), prove the token upstream, and only then keep the tokens, the
// client registration and the secret, and add the config entry when
// creating one: a login that fails leaves the working one in place.
import { createBearerSigner } from '../auth/bearer.js';
import type { HttpServerConfig, OAuthConfig } from '../config/schema.js';
import { AppError } from '../errors.js';
import { verifyServer } from '../doctor/signed-request.js';
import { OAuthCredentials } from '../oauth/credentials.js';
import { oauthLogin } from '../oauth/login.js';
import { SecretResolver } from '../secrets/resolve.js';
import type { Stores } from '../secrets/stores.js';
import type { SecretStore } from '../secrets/store.js';
import type { LoginOptions } from './commands/login.js';
import { enterSecrets, keychainSecrets, storeEntered } from './login-secrets.js';
import { print, type CommandContext } from './context.js';
import { noKeychain } from './store-secret.js';

export interface OAuthLoginRequest {
  name: string;
  server: HttpServerConfig;
  creating: boolean;
  options: LoginOptions;
  progress: (text: string) => void;
  stdin: NodeJS.ReadableStream;
  stores: Stores;
  /** Writes the config change (a new entry) once everything else is stored. */
  saveConfig: () => Promise<void>;
}

export const DEFAULT_LOGIN_TIMEOUT_MS = 5 * 60_000;

export async function loginOAuth(ctx: CommandContext, request: OAuthLoginRequest): Promise<void> {
  const { name, server, options, progress, stores } = request;
  const auth = server.auth as OAuthConfig;
  // The client's own secret or key: asked for when it is not stored yet (or --stdin brings a new one).
  const wanted = keychainSecrets(server);
  const missing = [];
  for (const ref of wanted) if (options.stdin || (await stored(stores, ref.account, options)) === undefined) missing.push(ref);
  const entered = missing.length ? await enterSecrets(ctx, name, missing, options, request.stdin) : new Map<string, string>();
  const secrets = new SecretResolver({ env: ctx.env, redactor: ctx.redactor, store: overlay(entered, options.insecureStorage ? stores.file : stores.keychain), fallback: stores.file });
  const field = (key: string) => `servers.${name}.auth.${key}`;
  const clientSecret = auth.clientSecret ? await secrets.resolve(auth.clientSecret, field('clientSecret'), name) : undefined;
  const privateKey = auth.privateKey ? await secrets.resolve(auth.privateKey, field('privateKey'), name) : undefined;

  const credentials = new OAuthCredentials(name, stores, Boolean(options.insecureStorage));
  const { tokens, client } = await oauthLogin({
    name,
    url: server.url,
    auth,
    credentials,
    ...(clientSecret ? { clientSecret } : {}),
    ...(privateKey ? { privateKey } : {}),
    browser: options.browser !== false,
    env: ctx.env,
    timeoutMs: options.timeout ?? DEFAULT_LOGIN_TIMEOUT_MS,
    progress,
    // With --no-browser the browser may be on another machine: let the user paste where it landed.
    ...(options.browser === false ? { pasteInput: request.stdin } : {}),
  });
  ctx.redactor.add(tokens.accessToken);
  if (tokens.refreshToken) ctx.redactor.add(tokens.refreshToken);

  if (options.verify !== false) {
    progress(`Checking the token with one initialize request to ${server.url} ...`);
    const result = await verifyServer({ name, server, signer: createBearerSigner(tokens.accessToken) });
    if (!result.ok) {
      throw new AppError('VERIFY_FAILED', `Signed in, but ${server.url} did not accept the token (${result.detail}); nothing was stored`, {
        hint: 'Check the server URL and scopes (any earlier login is still in place), or run with --no-verify to keep the token unchecked.',
      });
    }
    print(ctx, `✓ ${server.url} accepted the token (${result.detail}).`);
  }
  try {
    if (entered.size) await storeEntered(stores, entered, options);
    await credentials.saveClient(client);
    await credentials.saveTokens(tokens);
  } catch (error) {
    throw noKeychain(error);
  }
  await request.saveConfig();
  const expiry = tokens.expiresAt ? `; the access token is valid until ${new Date(tokens.expiresAt).toISOString()}` : '';
  const renewal = tokens.refreshToken ? ' and is refreshed automatically' : auth.grant === 'client_credentials' ? ' and is renewed with the client credentials' : ' (no refresh token was issued: sign in again when it expires)';
  print(ctx, `Signed in to "${name}" at ${tokens.issuer}${tokens.scope ? ` (scope: ${tokens.scope})` : ''}${expiry}${renewal}. Tokens are in the ${credentials.label}.`);
}

async function stored(stores: Stores, account: string, options: LoginOptions): Promise<string | undefined> {
  if (!options.insecureStorage) {
    const value = await stores.keychain.get(account).catch(() => undefined);
    if (value !== undefined) return value;
  }
  return stores.file.get(account);
}

/** A store whose reads see what was just entered first, so the login uses it before it is saved. */
function overlay(entered: Map<string, string>, store: SecretStore): SecretStore {
  return { label: store.label, get: async (account) => entered.get(account) ?? (await store.get(account)), set: (a, v) => store.set(a, v), delete: (a) => store.delete(a) };
}
