// Step-up authorization where the user is at hand (the stdio bridge runs in
// their session): after a 403 insufficient_scope, sign in again asking for
// the granted scope plus the one required, keep the new login and use it.
// One sign-in at a time however many calls were refused, and never twice for
// a scope a sign-in did not make the server accept (no browser loops).
import type { OAuthConfig } from '../config/schema.js';
import type { SecretStore } from '../secrets/store.js';
import { OAuthCredentials } from './credentials.js';
import { oauthLogin } from './login.js';
import type { TokenManager } from './token-manager.js';

export interface StepUpOptions {
  server: string;
  url: string;
  auth: OAuthConfig;
  stores: { keychain: SecretStore; file: SecretStore };
  manager: TokenManager;
  settings: { clientSecret?: string; privateKey?: string };
  env: NodeJS.ProcessEnv;
  progress: (text: string) => void;
  timeoutMs?: number;
}

/** How long the browser sign-in of a step-up may take. */
const STEP_UP_TIMEOUT_MS = 5 * 60_000;

export function createStepUp(options: StepUpOptions): (scope: string) => Promise<void> {
  let running: Promise<void> | undefined;
  const tried = new Set<string>();
  return (scope) => {
    if (running) return running;
    if (tried.has(scope)) return Promise.reject(new Error(`signing in again for scope "${scope}" did not make ${options.server} accept the call; not asking again`));
    tried.add(scope);
    running = signInAgain(options, scope).finally(() => {
      running = undefined;
    });
    return running;
  };
}

async function signInAgain(options: StepUpOptions, scope: string): Promise<void> {
  const { server, manager, settings } = options;
  options.progress(`${server} needs more permission (scope: ${scope}); signing in again through the browser`);
  const credentials = new OAuthCredentials(server, options.stores);
  const { tokens, client } = await oauthLogin({
    name: server,
    url: options.url,
    auth: options.auth,
    credentials,
    ...(settings.clientSecret ? { clientSecret: settings.clientSecret } : {}),
    ...(settings.privateKey ? { privateKey: settings.privateKey } : {}),
    browser: true,
    env: options.env,
    timeoutMs: options.timeoutMs ?? STEP_UP_TIMEOUT_MS,
    progress: options.progress,
    extraScope: scope,
  });
  await credentials.saveClient(client);
  await credentials.saveTokens(tokens);
  await manager.adoptStored();
  options.progress(`signed in to ${server} again${tokens.scope ? ` (scope: ${tokens.scope})` : ''}`);
}
