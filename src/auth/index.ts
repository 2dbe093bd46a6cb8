// Builds the signer for a server's `auth` block, resolving its secret
// references first (which registers them with the redactor).
import type { AuthConfig, SigV4Config } from '../config/schema.js';
import type { AwsCredentialProvider } from './aws-credentials.js';
import { AppError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { TokenManager } from '../oauth/token-manager.js';
import type { SecretResolver } from '../secrets/resolve.js';
import { createActAsSigner } from './act-as.js';
import { createBearerSigner } from './bearer.js';
import { createHmacSigner } from './hmac.js';
import type { Signer } from './scheme.js';
import { createHeadersSigner } from './static-headers.js';
import type { SharedOAuth } from '../state/shared-oauth.js';

export interface SignerContext {
  server: string;
  /** The server's upstream URL; OAuth needs it (tokens go only where they were issued for). */
  url?: string;
  secrets: SecretResolver;
  now?: () => number;
  /** Needed by schemes that log on their own (OAuth refreshes). */
  logger?: Logger;
  /** Told the result of every token refresh attempt (the metrics count them). */
  onTokenRefresh?: (ok: boolean) => void;
  /** Set where the process runs in the user's session (the stdio bridge): OAuth may open the browser for a step-up. */
  interactiveLogin?: { env: NodeJS.ProcessEnv; progress: (text: string) => void };
  /** Where AWS credentials come from for SigV4 servers without stored keys; the AWS provider chain by default (tests hand in their own provider). */
  awsCredentials?: (profile: string | undefined) => AwsCredentialProvider;
  /** The environment for AWS_REGION and AWS_PROFILE; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** Replicas sharing state (Redis): OAuth tokens live there and refresh under its lock. */
  shared?: SharedOAuth;
}

const NONE: Signer = { type: 'none', needsBody: false, headerNames: [], sign: () => ({}) };

export async function createSigner(auth: AuthConfig, context: SignerContext): Promise<Signer> {
  const field = `servers.${context.server}.auth`;
  const resolve = (reference: string, name: string) => context.secrets.resolve(reference, `${field}.${name}`, context.server);
  switch (auth.type) {
    case 'hmac':
      return createHmacSigner({ keyId: auth.keyId, secret: await resolve(auth.secret, 'secret'), ...(context.now ? { now: context.now } : {}) });
    case 'bearer':
      return createBearerSigner(await resolve(auth.token, 'token'));
    case 'headers': {
      const headers: Record<string, string> = {};
      for (const [name, reference] of Object.entries(auth.headers)) headers[name] = await resolve(reference, `headers.${name}`);
      return createHeadersSigner(headers);
    }
    case 'act-as':
      return createActAsSigner({ token: await resolve(auth.token, 'token'), user: auth.user, header: auth.header, ...(auth.allowDomains ? { allowDomains: auth.allowDomains } : {}) });
    case 'oauth': {
      // Loaded only for OAuth servers: the OAuth client is the largest part and most setups never use it.
      const settings: OAuthClientSettings = {
        url: context.url,
        ...(auth.clientId ? { clientId: auth.clientId } : {}),
        ...(auth.clientSecret ? { clientSecret: await resolve(auth.clientSecret, 'clientSecret') } : {}),
        ...(auth.privateKey ? { privateKey: await resolve(auth.privateKey, 'privateKey') } : {}),
        ...(auth.signingAlgorithm ? { signingAlgorithm: auth.signingAlgorithm } : {}),
        ...(auth.grant ? { grant: auth.grant } : {}),
      };
      const manager = await openTokenManager(context, settings);
      const signer = (await import('./oauth.js')).createOAuthSigner(manager);
      const interactive = context.interactiveLogin;
      if (interactive && context.url !== undefined && context.secrets.stores) {
        const { createStepUp } = await import('../oauth/step-up.js');
        signer.stepUp = createStepUp({ server: context.server, url: context.url, auth, stores: context.secrets.stores, manager, settings, ...interactive });
      }
      return signer;
    }
    case 'sigv4':
      return createSigV4(auth, context, resolve);
    case 'httpsig': {
      const { createHttpSigSigner } = await import('./httpsig.js');
      return createHttpSigSigner({ server: context.server, auth, key: await resolve(auth.key, 'key'), ...(context.now ? { now: context.now } : {}) });
    }
    case 'none':
      return NONE;
  }
}

/** SigV4 with stored keys (resolved now) or the AWS credential chain (read on first use); its modules load only for SigV4 servers. */
async function createSigV4(auth: SigV4Config, context: SignerContext, resolve: (reference: string, name: string) => Promise<string>): Promise<Signer> {
  const { createSigV4Signer } = await import('./sigv4.js');
  const env = context.env ?? process.env;
  const profile = auth.profile ?? env.AWS_PROFILE;
  let provider: AwsCredentialProvider;
  if (auth.accessKeyId && auth.secretAccessKey) {
    const keys = {
      accessKeyId: await resolve(auth.accessKeyId, 'accessKeyId'),
      secretAccessKey: await resolve(auth.secretAccessKey, 'secretAccessKey'),
      ...(auth.sessionToken ? { sessionToken: await resolve(auth.sessionToken, 'sessionToken') } : {}),
    };
    provider = async () => keys;
  } else if (context.awsCredentials) {
    provider = context.awsCredentials(profile);
  } else {
    const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
    provider = fromNodeProviderChain(auth.profile ? { profile: auth.profile } : {});
  }
  return createSigV4Signer({
    server: context.server,
    url: new URL(context.url ?? ''),
    ...(auth.service ? { service: auth.service } : {}),
    ...(auth.region ? { region: auth.region } : {}),
    ...(profile ? { profile } : {}),
    provider,
    renewable: !auth.accessKeyId,
    env,
    ...(context.now ? { now: context.now } : {}),
    onCredentials: (secrets) => {
      for (const secret of secrets) context.secrets.redactor.add(secret);
    },
  });
}

interface OAuthClientSettings {
  url: string | undefined;
  clientId?: string;
  clientSecret?: string;
  privateKey?: string;
  signingAlgorithm?: string;
  grant?: 'authorization_code' | 'client_credentials';
}

async function openTokenManager(context: SignerContext, client: OAuthClientSettings): Promise<TokenManager> {
  const shared = context.shared;
  const stores = shared ? { keychain: shared.store, file: shared.store } : context.secrets.stores;
  if (!stores || client.url === undefined) throw new AppError('OAUTH_UNAVAILABLE', `servers.${context.server}: OAuth tokens need the keychain stores here`);
  const [{ TokenManager }, { OAuthCredentials }] = await Promise.all([import('../oauth/token-manager.js'), import('../oauth/credentials.js')]);
  const manager = new TokenManager({
    server: context.server,
    credentials: new OAuthCredentials(context.server, stores),
    // Loaded here, not at the top: commands that build only non-OAuth signers (stdio, doctor, login) never need the logger.
    logger: context.logger ?? (await import('../observability/logger.js')).silentLogger(),
    redactor: context.secrets.redactor,
    ...client,
    url: client.url,
    ...(context.onTokenRefresh ? { onRefresh: context.onTokenRefresh } : {}),
    ...(context.now ? { now: context.now } : {}),
    ...(shared ? { exclusive: (task: () => Promise<void>) => shared.exclusive(`oauth-refresh:${context.server}`, task) } : {}),
  });
  await manager.load();
  return manager;
}
