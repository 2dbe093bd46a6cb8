// Keeps one server's OAuth access token fresh inside the proxy: refresh at
// about 80% of its lifetime and once after an upstream 401, one refresh at a
// time, the store re-read first (a newer login, or a logout, wins over what
// this process holds) and the rotated refresh token saved before the new
// access token is used; 5xx, rate limits and network failures are retried
// with backoff. A grant the server rejects means the user must log in again;
// until then (and until `login` stores new tokens, which this notices)
// requests get that hint.
import { ResponseBodyError, WWWAuthenticateChallengeError, processRefreshTokenResponse, refreshTokenGrantRequest } from 'oauth4webapi';
import { AppError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Redactor } from '../observability/redact.js';
import { authenticate, clientCredentialsTokens } from './client-credentials.js';
import { oauthErrorText } from './client.js';
import type { OAuthClientRecord, OAuthCredentials, OAuthTokens } from './credentials.js';
import { resourceCovers } from './resource.js';
import { requestOptions } from './http.js';
import { unionScope } from './scope.js';
import { storedServer, tokensFrom } from './tokens.js';

export interface TokenManagerOptions {
  server: string;
  /** The configured upstream URL: tokens issued for another resource are never sent to it. */
  url: string;
  credentials: OAuthCredentials;
  logger: Logger;
  redactor: Redactor;
  /** A pre-registered client (auth.clientId) and its secret (auth.clientSecret), used only for tokens issued to it. */
  clientId?: string;
  clientSecret?: string;
  /** A pre-registered client's PEM key (auth.privateKey): private_key_jwt instead of a secret. */
  privateKey?: string;
  signingAlgorithm?: string;
  /** client_credentials: a service account renews its token with its own credentials (no refresh token). */
  grant?: 'authorization_code' | 'client_credentials';
  now?: () => number;
  /** Waits between token-endpoint attempts after a 5xx, a rate limit or a network error. */
  retryDelaysMs?: number[];
  /** Told the result of every refresh attempt (the proxy's metrics count them). */
  onRefresh?: (ok: boolean) => void;
  /**
   * Replicas sharing the tokens (Redis): runs a refresh while holding their
   * common lock, so one refresh token is spent once; the refresh re-reads the
   * store first and takes up what another replica saved meanwhile.
   */
  exclusive?: (task: () => Promise<void>) => Promise<void>;
}

export interface OAuthStatus {
  loggedIn: boolean;
  state: 'ok' | 'login-required' | 'refresh-failing';
  expiresAt?: string;
  lastRefreshAt?: string;
  lastRefreshError?: string;
  reason?: string;
}

/** Share of the token lifetime after which a refresh starts in the background. */
const REFRESH_AT = 0.8;
/** Timers longer than this are re-armed on expiry (Node caps setTimeout at about 24.8 days). */
const MAX_TIMER_MS = 24 * 3600_000;
/** OAuth errors after which only a new login helps. */
const GRANT_GONE = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client']);

export class TokenManager {
  private tokens: OAuthTokens | undefined;
  private client: OAuthClientRecord | undefined;
  private header: Record<string, string> = {};
  private inflight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private loginError: AppError | undefined;
  private lastRefreshError: string | undefined;
  /** A store read under way while no usable login is known; requests meanwhile share it. */
  private checking: Promise<boolean> | undefined;
  private closed = false;
  /**
   * The access token a 401 made us fetch, until the upstream accepts it once:
   * a 401 to that one too is the upstream's verdict, not staleness.
   */
  private fetchedAfter401: string | undefined;
  private readonly now: () => number;

  constructor(private readonly options: TokenManagerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Reads the stored login; a missing one is not an error here (requests say what to run). */
  async load(): Promise<void> {
    await this.reload();
  }

  /** Takes up what a new login just stored (a step-up in this process), whatever this manager held. */
  async adoptStored(): Promise<void> {
    const stored = await this.options.credentials.loadTokens();
    if (!stored) return;
    this.client = (await this.options.credentials.loadClient()) ?? this.client;
    this.fetchedAfter401 = undefined;
    this.adopt(stored);
  }

  /** The Authorization header for the current token. */
  authorization(): Record<string, string> {
    return this.header;
  }

  /** null when sign() can run now; otherwise a promise that settles once it can (or rejects with what to do). */
  prepare(): Promise<void> | null {
    const tokens = this.tokens;
    if (!tokens || this.loginError) return this.recover();
    if (tokens.expiresAt === undefined) return null;
    const now = this.now();
    if (!this.renewable(tokens)) {
      // Nothing to refresh with: use the token while it lasts, then ask for a login.
      if (now < tokens.expiresAt) return null;
      this.loginError = this.expiredWithoutRefresh();
      return Promise.reject(this.loginError);
    }
    if (now < this.mustRefreshAt(tokens)) {
      if (now >= this.refreshAt(tokens) && !this.inflight) this.background();
      return null;
    }
    return this.refresh();
  }

  /**
   * The upstream answered 401 to a request sent with `sent` (its Authorization
   * value). null: no retry, the 401 stands (the token was itself fetched
   * because of a 401, so another refresh would only loop). Otherwise a
   * promise that resolves once a fresher token is in place, or rejects with
   * the login hint.
   */
  refreshAfterUnauthorized(sent: string | undefined): Promise<void> | null {
    if (this.loginError) return Promise.reject(this.loginError);
    if (sent !== this.header.authorization) return Promise.resolve();
    const tokens = this.tokens;
    if (!tokens || tokens.accessToken === this.fetchedAfter401) return null;
    if (!this.renewable(tokens)) {
      this.loginError = this.expiredWithoutRefresh();
      return Promise.reject(this.loginError);
    }
    return this.refresh().then(() => {
      this.fetchedAfter401 = this.tokens?.accessToken;
    });
  }

  /** The upstream accepted a request retried with `sent`: a later 401 to it may be refreshed again. */
  accepted(sent: string | undefined): void {
    if (this.fetchedAfter401 !== undefined && sent === `Bearer ${this.fetchedAfter401}`) this.fetchedAfter401 = undefined;
  }

  status(): OAuthStatus {
    const t = this.tokens;
    const state = this.loginError || !t ? 'login-required' : this.lastRefreshError ? 'refresh-failing' : 'ok';
    return {
      loggedIn: t !== undefined && !this.loginError,
      state,
      ...(t?.expiresAt !== undefined ? { expiresAt: new Date(t.expiresAt).toISOString() } : {}),
      ...(t?.lastRefreshAt !== undefined ? { lastRefreshAt: new Date(t.lastRefreshAt).toISOString() } : {}),
      ...(this.lastRefreshError ? { lastRefreshError: this.lastRefreshError } : {}),
      ...(this.loginError ? { reason: this.loginError.message } : !t ? { reason: 'not logged in' } : {}),
    };
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  /**
   * The upstream refused a call for want of `scope` (403 insufficient_scope):
   * remembered with the stored login, so the next `login` asks for it along
   * with what was granted (a step-up). Saving is best effort.
   */
  requireScope(scope: string): void {
    const tokens = this.tokens;
    if (!tokens) return;
    const requiredScope = unionScope(tokens.requiredScope, scope);
    if (requiredScope === tokens.requiredScope) return;
    this.tokens = { ...tokens, requiredScope };
    this.options.credentials.saveTokens(this.tokens).catch((error: unknown) =>
      this.options.logger.warn('could not record the scope the server asked for; pass it to login with --scope', { server: this.options.server, scope, error: (error as Error).message }),
    );
  }

  /** Whether a fresh token can be had without the user: a refresh token, or the client credentials grant. */
  private renewable(tokens: OAuthTokens): boolean {
    return Boolean(tokens.refreshToken) || this.clientCredentialsGrant(tokens);
  }

  /** A service account whose token was issued to the configured client: it asks again with its credentials. */
  private clientCredentialsGrant(tokens: OAuthTokens): boolean {
    const { grant, clientId, clientSecret, privateKey } = this.options;
    return grant === 'client_credentials' && clientId === tokens.clientId && Boolean(clientSecret || privateKey);
  }

  /** One refresh at a time: everyone who asks while one runs waits for that one. */
  private refresh(): Promise<void> {
    const exclusive = this.options.exclusive;
    this.inflight ??= (exclusive ? exclusive(() => this.runRefresh()) : this.runRefresh()).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private background(): void {
    this.refresh().catch((error: unknown) => {
      this.options.logger.warn('background token refresh failed', { server: this.options.server, error: (error as Error).message });
      // Try again later while the current token still works; prepare() takes over once it nearly expires.
      if (!this.loginError) this.arm(this.now() + 30_000);
    });
  }

  /** No usable login known: maybe `login` has stored one since (one store read at a time). */
  private async recover(): Promise<void> {
    this.checking ??= this.reload().finally(() => {
      this.checking = undefined;
    });
    await this.checking;
    if (!this.tokens || this.loginError) throw this.loginError ?? this.notLoggedIn();
    const pending = this.prepare();
    if (pending) await pending;
  }

  /** Adopts what the store holds when it differs from what is in use; true when it did. */
  private async reload(): Promise<boolean> {
    const stored = await this.options.credentials.loadTokens();
    if (!stored) {
      if (!this.tokens) this.loginError = this.notLoggedIn();
      return false;
    }
    if (this.tokens && sameTokens(stored, this.tokens)) return false;
    this.client = (await this.options.credentials.loadClient()) ?? this.client;
    this.adopt(stored);
    return true;
  }

  private adopt(tokens: OAuthTokens): void {
    this.options.redactor.add(tokens.accessToken);
    if (tokens.refreshToken) this.options.redactor.add(tokens.refreshToken);
    this.tokens = tokens;
    this.header = Object.freeze({ authorization: `Bearer ${tokens.accessToken}` }) as Record<string, string>;
    this.loginError = resourceCovers(tokens.resource, this.options.url)
      ? undefined
      : new AppError('LOGIN_REQUIRED', `The stored login for "${this.options.server}" was issued for ${tokens.resource}, not ${this.options.url}; it is not sent there`, {
          hint: `Run \`mcp-auth-proxy login ${this.options.server}\``,
        });
    if (tokens.expiresAt !== undefined && this.renewable(tokens) && !this.loginError) this.arm(this.refreshAt(tokens));
    else clearTimeout(this.timer);
  }

  /** Wakes at `at` (re-arming in steps past Node's timer limit) and refreshes if still due. */
  private arm(at: number): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => {
      const tokens = this.tokens;
      if (!tokens || this.loginError || tokens.expiresAt === undefined) return;
      if (this.now() >= Math.min(at, this.refreshAt(tokens))) this.background();
      else this.arm(at);
    }, Math.min(MAX_TIMER_MS, Math.max(0, at - this.now())));
    this.timer.unref();
  }

  private refreshAt(tokens: OAuthTokens): number {
    return tokens.obtainedAt + REFRESH_AT * ((tokens.expiresAt as number) - tokens.obtainedAt);
  }

  /** Past this point a request waits for the refresh instead of sending a token about to lapse. */
  private mustRefreshAt(tokens: OAuthTokens): number {
    const expiresAt = tokens.expiresAt as number;
    return expiresAt - Math.min(5_000, 0.1 * (expiresAt - tokens.obtainedAt));
  }

  private async runRefresh(): Promise<void> {
    const { server, logger, credentials } = this.options;
    // A newer login (or a logout, or doctor's refresh) in the store wins over what this process holds.
    const stored = await credentials.loadTokens();
    if (!stored) {
      throw (this.loginError = new AppError('LOGIN_REQUIRED', `The login for "${server}" was removed (mcp-auth-proxy logout); sign in again`, {
        hint: `Run \`mcp-auth-proxy login ${server}\``,
      }));
    }
    if (this.tokens && !sameTokens(stored, this.tokens) && stored.obtainedAt >= this.tokens.obtainedAt) {
      this.adopt(stored);
      if (this.loginError) throw this.loginError;
      if (stored.expiresAt === undefined || this.now() < this.mustRefreshAt(stored)) return;
    }
    const current = this.tokens as OAuthTokens;
    if (!this.renewable(current)) throw (this.loginError = this.expiredWithoutRefresh());
    const as = storedServer(current);
    const proof = { clientId: current.clientId, ...this.clientCredentials(current) };
    const [client, authentication] = await authenticate(proof, as, server);
    const delays = this.options.retryDelaysMs ?? [500, 1000, 2000];
    for (let attempt = 0; ; attempt++) {
      let response: Response | undefined;
      try {
        let next: OAuthTokens;
        if (current.refreshToken) {
          response = await refreshTokenGrantRequest(as, client, authentication, current.refreshToken, {
            additionalParameters: { resource: current.resource },
            ...requestOptions(current.tokenEndpoint),
          });
          if (response.status >= 500 || response.status === 429) throw new RetryableError(`token endpoint answered HTTP ${response.status}`);
          next = tokensFrom(server, await processRefreshTokenResponse(as, client, response), { as, clientId: current.clientId, resource: current.resource, now: this.now(), previous: current });
        } else {
          // A service account: the same grant again, for the scope it holds.
          next = await clientCredentialsTokens({ server, as, proof, resource: current.resource, ...(current.scope ? { scope: current.scope } : {}), now: this.now(), previous: current });
        }
        await this.keep(next);
        this.options.onRefresh?.(true);
        logger.info('refreshed the access token', { server, expiresAt: next.expiresAt ? new Date(next.expiresAt).toISOString() : undefined });
        return;
      } catch (error) {
        await response?.body?.cancel().catch(() => undefined);
        this.options.onRefresh?.(false);
        const gone = grantGone(error);
        if (gone) return this.refused(gone, current);
        if (error instanceof AppError) throw error;
        this.lastRefreshError = error instanceof ResponseBodyError ? oauthErrorText(error) : (error as Error).message;
        const delay = delays[attempt];
        if (delay === undefined) break;
        logger.warn('token refresh failed; retrying', { server, attempt: attempt + 1, error: this.lastRefreshError, retryInMs: delay });
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
    throw new AppError('TOKEN_ENDPOINT_UNAVAILABLE', `Cannot refresh the access token for "${server}": ${this.lastRefreshError}`, {
      hint: 'Run `mcp-auth-proxy doctor` to check the way to the authorization server',
    });
  }

  /**
   * Saves the refreshed tokens, then uses them. If saving fails they are used
   * anyway: the server has already rotated the refresh token, and sending the
   * consumed one again would end the grant. The next refresh saves again.
   */
  private async keep(next: OAuthTokens): Promise<void> {
    const { server, logger, credentials } = this.options;
    try {
      await credentials.saveTokens(next);
      this.lastRefreshError = undefined;
    } catch (error) {
      this.lastRefreshError = `refreshed, but could not save the tokens: ${(error as Error).message}`;
      logger.error('could not save the refreshed tokens; using them from memory until the next refresh saves them', { server, error: (error as Error).message });
    }
    this.adopt(next);
  }

  /** The server rejected the grant: unless someone stored newer tokens meanwhile, a new login is needed. */
  private async refused(reason: string, used: OAuthTokens): Promise<void> {
    const { server, logger } = this.options;
    this.lastRefreshError = reason;
    if ((await this.reload()) && this.tokens?.refreshToken !== used.refreshToken && !this.loginError) return;
    this.loginError = new AppError('LOGIN_REQUIRED', `The authorization server rejected the refresh token for "${server}" (${reason}); sign in again`, {
      hint: `Run \`mcp-auth-proxy login ${server}\``,
    });
    logger.warn('login required', { server, error: reason, hint: `mcp-auth-proxy login ${server}` });
    throw this.loginError;
  }

  private clientCredentials(tokens: OAuthTokens): Pick<OAuthClientRecord, 'clientSecret' | 'tokenEndpointAuthMethod'> & { privateKey?: string; signingAlgorithm?: string } {
    const stored = this.client?.clientId === tokens.clientId && this.client.issuer === tokens.issuer ? this.client : undefined;
    const configured = this.options.clientId === tokens.clientId;
    const secret = (configured ? this.options.clientSecret : undefined) ?? stored?.clientSecret;
    const key = configured ? this.options.privateKey : undefined;
    return {
      ...(key ? { privateKey: key, ...(this.options.signingAlgorithm ? { signingAlgorithm: this.options.signingAlgorithm } : {}) } : secret ? { clientSecret: secret } : {}),
      ...(stored?.tokenEndpointAuthMethod ? { tokenEndpointAuthMethod: stored.tokenEndpointAuthMethod } : {}),
    };
  }

  private expiredWithoutRefresh(): AppError {
    const { server } = this.options;
    return new AppError('LOGIN_REQUIRED', `The access token for "${server}" expired and the authorization server issued no refresh token`, {
      hint: `Run \`mcp-auth-proxy login ${server}\``,
    });
  }

  private notLoggedIn(): AppError {
    const { server, credentials } = this.options;
    const problem = credentials.keychainProblem;
    return new AppError('LOGIN_REQUIRED', `mcp-auth-proxy is not signed in to "${server}"${problem ? ` (nothing in the insecure file store; ${problem})` : ''}`, {
      hint: `Run \`mcp-auth-proxy login ${server}\`${problem ? ' (with --insecure-storage on a machine without a keychain)' : ''}`,
    });
  }
}

class RetryableError extends Error {}

function sameTokens(a: OAuthTokens, b: OAuthTokens): boolean {
  return a.accessToken === b.accessToken && a.refreshToken === b.refreshToken;
}

/** The OAuth error code when the grant or client is gone for good, else undefined (worth retrying). */
function grantGone(error: unknown): string | undefined {
  if (error instanceof ResponseBodyError && GRANT_GONE.has(error.error)) return oauthErrorText(error);
  // A 401 with WWW-Authenticate from the token endpoint: the client's credentials were refused.
  if (error instanceof WWWAuthenticateChallengeError) return 'invalid_client';
  return undefined;
}
