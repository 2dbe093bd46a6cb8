// AWS credentials for the SigV4 signer: fixed keys from secret references
// (what `login` stores), or the AWS credential provider chain (environment,
// SSO, profiles, container and instance roles), held here and read again
// before they expire and once after an upstream says they expired. Provider
// failures become AppErrors that say what to run (`aws sso login --profile X`).
import { AppError } from '../errors.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** The provider interface of @aws-sdk/credential-providers: `forceRefresh` skips its own cache. */
export type AwsCredentialProvider = (options?: { forceRefresh?: boolean }) => Promise<AwsCredentials>;

/** Credentials are read again this long before they expire (the AWS SDKs use the same window). */
export const REFRESH_WINDOW_MS = 5 * 60_000;

export interface CredentialCacheOptions {
  server: string;
  provider: AwsCredentialProvider;
  /** The profile in use (config, else AWS_PROFILE), for the `aws sso login --profile` hint. */
  profile: string | undefined;
  /** Whether a forced re-read can give anything new (false for fixed keys: only `login` changes them). */
  renewable: boolean;
  now: () => number;
  /** Called with each new set read (the redactor learns the secret and token). */
  onCredentials?: (credentials: AwsCredentials) => void;
}

/** One server's current credentials; at most one read at a time. */
export class AwsCredentialCache {
  private current: AwsCredentials | undefined;
  private reading: Promise<AwsCredentials> | undefined;
  private lastError: AppError | undefined;

  constructor(private readonly options: CredentialCacheOptions) {}

  /** null when the held credentials can sign now; else a promise that settles once they can. */
  prepare(): Promise<void> | null {
    if (this.current && !this.dueForRefresh(this.current)) return null;
    return this.read(false).then(() => undefined);
  }

  /** The credentials to sign with now (read first when none are held or they are due). */
  async get(): Promise<AwsCredentials> {
    if (this.current && !this.dueForRefresh(this.current)) return this.current;
    return this.read(false);
  }

  /** After an upstream ExpiredToken: read again past every cache; null when nothing new can come. */
  reread(): Promise<void> | null {
    if (!this.options.renewable) return null;
    return this.read(true).then(() => undefined);
  }

  state(): { ready: boolean; reason?: string; details: Record<string, unknown> } {
    const held = this.current;
    const details: Record<string, unknown> = {
      source: this.options.renewable ? `AWS credential chain${this.options.profile ? ` (profile ${this.options.profile})` : ''}` : 'stored access keys',
      ...(held ? { accessKeyId: held.accessKeyId, temporary: held.sessionToken !== undefined } : {}),
      ...(held?.expiration ? { expiresAt: held.expiration.toISOString() } : {}),
    };
    if (this.lastError && !held) return { ready: false, reason: this.lastError.message, details };
    return { ready: true, details };
  }

  private dueForRefresh(credentials: AwsCredentials): boolean {
    return credentials.expiration !== undefined && credentials.expiration.getTime() - this.options.now() < REFRESH_WINDOW_MS;
  }

  private read(force: boolean): Promise<AwsCredentials> {
    this.reading ??= this.options
      .provider(force ? { forceRefresh: true } : {})
      .then(
        (credentials) => {
          if (credentials.expiration && credentials.expiration.getTime() <= this.options.now()) {
            throw new AppError('AWS_CREDENTIALS_EXPIRED', `the AWS credentials for "${this.options.server}" expired at ${credentials.expiration.toISOString()} and no fresh ones could be read`, {
              hint: this.renewHint(),
            });
          }
          this.current = credentials;
          this.lastError = undefined;
          this.options.onCredentials?.(credentials);
          return credentials;
        },
        (error: unknown) => {
          throw this.explain(error);
        },
      )
      .catch((error: AppError) => {
        this.lastError = error;
        // Credentials still valid (a refresh ahead of expiry failed) keep signing until they lapse.
        if (!force && this.current && this.current.expiration && this.current.expiration.getTime() > this.options.now()) return this.current;
        throw error;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  /** A provider failure as the user should read it: which command fixes it. */
  private explain(error: unknown): AppError {
    if (error instanceof AppError) return error;
    const message = error instanceof Error ? error.message : String(error);
    const server = this.options.server;
    if (/\bsso\b/i.test(message) && /expired|invalid|refresh|login/i.test(message)) {
      const profile = this.options.profile ?? 'default';
      return new AppError('AWS_SSO_EXPIRED', `the AWS SSO session of profile "${profile}" has expired (${server})`, {
        hint: `Run \`aws sso login --profile ${profile}\`; the running proxy picks the new session up on the next request.`,
        cause: error,
      });
    }
    return new AppError('AWS_NO_CREDENTIALS', `no AWS credentials for "${server}": ${message}`, {
      hint: `Configure them for the AWS CLI (\`aws configure\`, \`aws sso login\`, AWS_PROFILE) or store access keys with \`mcp-auth-proxy login ${server}\`.`,
      cause: error,
    });
  }

  private renewHint(): string {
    if (!this.options.renewable) return `Store fresh keys with \`mcp-auth-proxy login ${this.options.server}\`.`;
    const profile = this.options.profile;
    return profile ? `Renew them (for an SSO profile: \`aws sso login --profile ${profile}\`).` : 'Renew them in the AWS credential chain (environment, profile, role).';
  }
}
