// Keeps one server's OAuth access token fresh inside the proxy: refresh at
// about 80% of its lifetime and once after an upstream 401, one refresh at a
// time, the rotated refresh token saved before the new access token is used,
// 5xx and network failures retried with backoff. A refresh token the server
// rejects means the user must log in again; until then (and until `login`
// stores new tokens, which this notices) requests get that hint.
import { ResponseBodyError, processRefreshTokenResponse, refreshTokenGrantRequest } from 'oauth4webapi';
import { AppError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Redactor } from '../observability/redact.js';
import { clientAuth, oauthErrorText } from './client.js';
import type { OAuthClientRecord, OAuthCredentials, OAuthTokens } from './credentials.js';
import { requestOptions } from './http.js';
import { storedServer, tokensFrom } from './tokens.js';

export interface TokenManagerOptions {
  server: string;
  credentials: OAuthCredentials;
  logger: Logger;
  redactor: Redactor;
  /** Secret of a pre-registered confidential client (auth.clientSecret). */
  clientSecret?: string;
  now?: () => number;
  /** Waits between token-endpoint attempts after a 5xx or network error. */
  retryDelaysMs?: number[];
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
  private readonly now: () => number;

  constructor(private readonly options: TokenManagerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Reads the stored login; a missing one is not an error here (requests say what to run). */
  async load(): Promise<void> {
    await this.reload();
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
    if (now < this.mustRefreshAt(tokens)) {
      if (now >= this.refreshAt(tokens) && !this.inflight) this.background();
      return null;
    }
    return this.refresh();
  }

  /**
   * The upstream answered 401 to a request sent with `sent` (its Authorization
   * value). Resolves true when a retry with a fresher token is worthwhile;
   * rejects with the login hint when there can be none.
   */
  async refreshAfterUnauthorized(sent: string | undefined): Promise<boolean> {
    if (this.loginError) throw this.loginError;
    if (sent !== this.header.authorization) return true;
    await this.refresh();
    return true;
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

  /** One refresh at a time: everyone who asks while one runs waits for that one. */
  private refresh(): Promise<void> {
    this.inflight ??= this.runRefresh().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private background(): void {
    this.refresh().catch((error: unknown) => {
      this.options.logger.warn('background token refresh failed', { server: this.options.server, error: (error as Error).message });
      // Try again later while the current token still works; prepare() takes over once it nearly expires.
      if (!this.loginError) this.schedule(30_000);
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
    if (this.tokens && stored.accessToken === this.tokens.accessToken && stored.refreshToken === this.tokens.refreshToken) return false;
    this.client = (await this.options.credentials.loadClient()) ?? this.client;
    this.adopt(stored);
    return true;
  }

  private adopt(tokens: OAuthTokens): void {
    this.options.redactor.add(tokens.accessToken);
    if (tokens.refreshToken) this.options.redactor.add(tokens.refreshToken);
    this.tokens = tokens;
    this.header = Object.freeze({ authorization: `Bearer ${tokens.accessToken}` }) as Record<string, string>;
    this.loginError = undefined;
    if (tokens.expiresAt !== undefined) this.schedule(this.refreshAt(tokens) - this.now());
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => this.background(), Math.max(0, delayMs));
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
    const { server, logger } = this.options;
    const current = this.tokens as OAuthTokens;
    if (!current.refreshToken) {
      throw (this.loginError = new AppError('LOGIN_REQUIRED', `The access token for "${server}" expired and the authorization server issued no refresh token`, {
        hint: `Run \`mcp-auth-proxy login ${server}\``,
      }));
    }
    const as = storedServer(current);
    const [client, authentication] = clientAuth(
      { clientId: current.clientId, ...this.clientCredentials(current) },
      as,
    );
    const delays = this.options.retryDelaysMs ?? [500, 1000, 2000];
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await refreshTokenGrantRequest(as, client, authentication, current.refreshToken, {
          additionalParameters: { resource: current.resource },
          ...requestOptions(current.tokenEndpoint),
        });
        if (response.status >= 500) {
          await response.body?.cancel();
          throw Object.assign(new Error(`token endpoint answered HTTP ${response.status}`), { retryable: true });
        }
        const next = tokensFrom(server, await processRefreshTokenResponse(as, client, response), {
          as,
          clientId: current.clientId,
          resource: current.resource,
          now: this.now(),
          previous: current,
        });
        // Saved first: a rotated refresh token that is lost cannot be used again.
        await this.options.credentials.saveTokens(next);
        this.adopt(next);
        this.lastRefreshError = undefined;
        logger.info('refreshed the access token', { server, expiresAt: next.expiresAt ? new Date(next.expiresAt).toISOString() : undefined });
        return;
      } catch (error) {
        if (error instanceof ResponseBodyError) return this.refused(error, current);
        if (error instanceof AppError) throw error;
        this.lastRefreshError = (error as Error).message;
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

  /** The server rejected the refresh: unless someone stored newer tokens meanwhile, a new login is needed. */
  private async refused(error: ResponseBodyError, used: OAuthTokens): Promise<void> {
    const { server, logger } = this.options;
    this.lastRefreshError = oauthErrorText(error);
    if (error.status >= 500) throw new AppError('TOKEN_ENDPOINT_UNAVAILABLE', `Cannot refresh the access token for "${server}": ${this.lastRefreshError}`);
    if (await this.reload()) {
      if (this.tokens?.refreshToken !== used.refreshToken) return;
    }
    this.loginError = new AppError('LOGIN_REQUIRED', `The authorization server rejected the refresh token for "${server}" (${this.lastRefreshError}); sign in again`, {
      hint: `Run \`mcp-auth-proxy login ${server}\``,
    });
    logger.warn('login required', { server, error: this.lastRefreshError, hint: `mcp-auth-proxy login ${server}` });
    throw this.loginError;
  }

  private clientCredentials(tokens: OAuthTokens): Pick<OAuthClientRecord, 'clientSecret' | 'tokenEndpointAuthMethod'> {
    const stored = this.client?.clientId === tokens.clientId ? this.client : undefined;
    const secret = this.options.clientSecret ?? stored?.clientSecret;
    return {
      ...(secret ? { clientSecret: secret } : {}),
      ...(stored?.tokenEndpointAuthMethod ? { tokenEndpointAuthMethod: stored.tokenEndpointAuthMethod } : {}),
    };
  }

  private notLoggedIn(): AppError {
    const { server, credentials } = this.options;
    const problem = credentials.keychainProblem;
    return new AppError('LOGIN_REQUIRED', `mcp-auth-proxy is not signed in to "${server}"${problem ? ` (nothing in the insecure file store; ${problem})` : ''}`, {
      hint: `Run \`mcp-auth-proxy login ${server}\`${problem ? ' (with --insecure-storage on a machine without a keychain)' : ''}`,
    });
  }
}
