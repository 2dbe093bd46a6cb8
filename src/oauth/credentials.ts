// Where OAuth state lives: the tokens (with what refreshing them needs) and
// the client registration, each a JSON entry in the secret store under an
// account derived from the server name. Read from the keychain with the
// insecure file as fallback; written back to wherever it was read from.
import { SecretError } from '../errors.js';
import type { SecretStore } from '../secrets/store.js';

export interface OAuthTokens {
  accessToken: string;
  refreshToken?: string;
  /** ms since epoch; absent when the server did not say. */
  expiresAt?: number;
  scope?: string;
  /** Scope an upstream demanded since (a 403 insufficient_scope): the next login asks for it too. */
  requiredScope?: string;
  obtainedAt: number;
  lastRefreshAt?: number;
  /** What a refresh needs without discovery: the issuer, its endpoints, the client and the resource. */
  issuer: string;
  tokenEndpoint: string;
  revocationEndpoint?: string;
  resource: string;
  clientId: string;
}

export interface OAuthClientRecord {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  tokenEndpointAuthMethod?: string;
  /** The redirect URI registered with the client (dynamic registration binds it). */
  redirectUri?: string;
  method: 'static' | 'metadata-document' | 'dynamic';
  registeredAt: number;
}

/**
 * Entries longer than this are split over `<account>#1..n`: Windows Credential
 * Manager holds at most 2560 bytes (1280 UTF-16 characters) per entry, and a
 * JWT access token plus a refresh token easily passes that.
 */
export const CHUNK_CHARS = 1000;
const MAX_CHUNKS = 64;

export const tokensAccount = (server: string) => `oauth-tokens:${server}`;
export const clientAccount = (server: string) => `oauth-client:${server}`;

export class OAuthCredentials {
  /** The store the tokens were last read from or written to. */
  private home: SecretStore | undefined;
  /** Set when the last read found nothing and the keychain could not be asked: part of "not signed in". */
  keychainProblem: string | undefined;

  constructor(
    readonly server: string,
    private readonly stores: { keychain: SecretStore; file: SecretStore },
    /** Write to the insecure file store (login --insecure-storage). */
    private readonly insecure = false,
  ) {}

  get label(): string {
    return (this.home ?? (this.insecure ? this.stores.file : this.stores.keychain)).label;
  }

  loadTokens(): Promise<OAuthTokens | undefined> {
    return this.read<OAuthTokens>(tokensAccount(this.server), isTokens);
  }

  loadClient(): Promise<OAuthClientRecord | undefined> {
    return this.read<OAuthClientRecord>(clientAccount(this.server), isClient);
  }

  saveTokens(tokens: OAuthTokens): Promise<void> {
    return this.write(tokensAccount(this.server), tokens);
  }

  saveClient(client: OAuthClientRecord): Promise<void> {
    return this.write(clientAccount(this.server), client);
  }

  /** Deletes tokens and client from every store; returns the labels of the stores that held something. */
  async clear(): Promise<string[]> {
    const removed = new Set<string>();
    let keychainError: SecretError | undefined;
    for (const account of [tokensAccount(this.server), clientAccount(this.server)]) {
      try {
        if (await deleteWhole(this.stores.keychain, account)) removed.add(this.stores.keychain.label);
      } catch (error) {
        if (!(error instanceof SecretError)) throw error;
        keychainError = error;
      }
      if (await deleteWhole(this.stores.file, account)) removed.add(this.stores.file.label);
    }
    if (removed.size === 0 && keychainError) throw keychainError;
    return [...removed];
  }

  private async read<T>(account: string, valid: (value: unknown) => boolean): Promise<T | undefined> {
    let text: string | undefined;
    let unavailable: SecretError | undefined;
    if (!this.insecure) {
      try {
        text = await readWhole(this.stores.keychain, account);
        if (text !== undefined) this.home = this.stores.keychain;
      } catch (error) {
        if (!(error instanceof SecretError) || error.code !== 'KEYCHAIN_UNAVAILABLE') throw error;
        unavailable = error;
      }
    }
    if (text === undefined) {
      text = await readWhole(this.stores.file, account);
      if (text !== undefined) this.home = this.stores.file;
    }
    this.keychainProblem = text === undefined ? unavailable?.message : undefined;
    if (text === undefined) return undefined;
    try {
      const value: unknown = JSON.parse(text);
      if (valid(value)) return value as T;
    } catch {
      // fall through: an entry this version cannot read counts as absent
    }
    return undefined;
  }

  private async write(account: string, value: object): Promise<void> {
    const store = this.home ?? (this.insecure ? this.stores.file : this.stores.keychain);
    const text = JSON.stringify(value);
    const before = chunkCount(await store.get(account)) ?? 0;
    const count = text.length <= CHUNK_CHARS ? 0 : Math.ceil(text.length / CHUNK_CHARS);
    if (count === 0) {
      await store.set(account, text);
    } else {
      // Parts first, then the entry that points at them: a reader never sees a pointer to missing parts.
      for (let i = 0; i < count; i++) await store.set(`${account}#${i + 1}`, text.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS));
      await store.set(account, JSON.stringify({ chunks: count }));
    }
    for (let i = count + 1; i <= before; i++) await store.delete(`${account}#${i}`);
    this.home = store;
  }
}

/** The entry's text, joined from its parts when it was split. */
async function readWhole(store: SecretStore, account: string): Promise<string | undefined> {
  const text = await store.get(account);
  const count = chunkCount(text);
  if (count === undefined) return text;
  const parts: string[] = [];
  for (let i = 1; i <= count; i++) {
    const part = await store.get(`${account}#${i}`);
    if (part === undefined) return undefined;
    parts.push(part);
  }
  return parts.join('');
}

async function deleteWhole(store: SecretStore, account: string): Promise<boolean> {
  const count = chunkCount(await store.get(account)) ?? 0;
  for (let i = 1; i <= count; i++) await store.delete(`${account}#${i}`);
  return store.delete(account);
}

function chunkCount(text: string | undefined): number | undefined {
  if (text === undefined || !text.startsWith('{"chunks":')) return undefined;
  const count = (JSON.parse(text) as { chunks?: unknown }).chunks;
  return typeof count === 'number' && Number.isInteger(count) && count > 0 && count <= MAX_CHUNKS ? count : undefined;
}

function isTokens(value: unknown): boolean {
  const v = value as Partial<OAuthTokens> | null;
  return typeof v?.accessToken === 'string' && typeof v.tokenEndpoint === 'string' && typeof v.issuer === 'string' && typeof v.clientId === 'string';
}

function isClient(value: unknown): boolean {
  const v = value as Partial<OAuthClientRecord> | null;
  return typeof v?.clientId === 'string' && typeof v.issuer === 'string';
}
