// Turns a secret reference into its value, registering the value with the
// redactor the moment it is read so no log line or error can show it.
import { readSecretFile } from '../config/file-safety.js';
import { SecretError } from '../errors.js';
import type { Redactor } from '../observability/redact.js';
import { parseSecretReference } from './reference.js';
import type { SecretStore } from './store.js';

export interface SecretResolverOptions {
  env: NodeJS.ProcessEnv;
  redactor: Redactor;
  /** The keychain store; absent where none can exist. */
  store?: SecretStore;
  /** The insecure file store (`login --insecure-storage`), consulted only when the keychain is unusable. */
  fallback?: SecretStore;
  /** Told every time a secret comes from the fallback store, so the caller can warn. */
  onFallback?: (account: string, store: SecretStore) => void;
  platform?: NodeJS.Platform;
}

export class SecretResolver {
  constructor(private readonly options: SecretResolverOptions) {}

  /** The stores behind keychain references, for schemes that also write (OAuth tokens). */
  get stores(): { keychain: SecretStore; file: SecretStore } | undefined {
    const { store, fallback } = this.options;
    return store && fallback ? { keychain: store, file: fallback } : undefined;
  }

  get redactor(): Redactor {
    return this.options.redactor;
  }

  /** Resolves `reference`; `field` (e.g. `servers.gateway.auth.secret`) and `server` make errors precise. */
  async resolve(reference: string, field: string, server: string): Promise<string> {
    const ref = parseSecretReference(reference);
    if (!ref) {
      throw new SecretError('SECRET_REFERENCE_INVALID', `${field} is not a secret reference`, 'Write keychain:NAME, env:VAR or file:PATH.');
    }
    let value: string | undefined;
    switch (ref.kind) {
      case 'env':
        value = this.options.env[ref.name];
        if (value === undefined || value === '') {
          throw new SecretError(
            'SECRET_ENV_MISSING',
            `${field} refers to environment variable ${ref.name}, which is not set`,
            `Export ${ref.name} before starting, or store the secret in the keychain with \`mcp-auth-proxy login ${server}\`.`,
          );
        }
        break;
      case 'file':
        value = await this.readSecretFile(ref.path, field);
        break;
      case 'keychain':
        value = await this.readKeychain(ref.account, field, server);
        break;
    }
    this.options.redactor.add(value);
    return value;
  }

  /**
   * A `file:` secret: read only when only the user controls it (owner, mode
   * 0600, a directory others cannot write) and it is a regular file; a FIFO
   * or device is refused at once, never opened for a blocking read.
   */
  private async readSecretFile(path: string, field: string): Promise<string> {
    const read = await readSecretFile(path, { platform: this.options.platform ?? process.platform });
    if (read.kind === 'missing' || read.kind === 'unreadable') {
      const cause = read.kind === 'unreadable' ? read.error : undefined;
      throw new SecretError('SECRET_FILE_MISSING', `${field}: cannot read secret file ${path}${cause?.code ? ` (${cause.code})` : ''}`, 'Check the path, or store the secret in the keychain instead.', cause);
    }
    if (read.kind === 'unsafe') {
      throw new SecretError(read.unsafe.kind === 'readable' ? 'SECRET_FILE_MODE' : 'SECRET_FILE_UNSAFE', `${field}: secret file ${path} ${read.unsafe.problem}`, read.unsafe.fix);
    }
    const text = read.text.replace(/\r?\n$/, '');
    if (!text) {
      throw new SecretError('SECRET_FILE_EMPTY', `${field}: secret file ${path} is empty`, 'Write the secret into the file.');
    }
    return text;
  }

  private async readKeychain(account: string, field: string, server: string): Promise<string> {
    const { store, fallback } = this.options;
    let value: string | undefined;
    let unavailable: SecretError | undefined;
    try {
      if (!store) throw new SecretError('KEYCHAIN_UNAVAILABLE', 'no keychain store', '');
      value = await store.get(account);
    } catch (error) {
      if (!(error instanceof SecretError) || error.code !== 'KEYCHAIN_UNAVAILABLE') throw error;
      unavailable = error;
    }
    if (value === undefined && fallback) {
      value = await fallback.get(account);
      if (value !== undefined) this.options.onFallback?.(account, fallback);
    }
    if (value === undefined && unavailable) {
      throw new SecretError(
        'KEYCHAIN_UNAVAILABLE',
        `${field} refers to keychain:${account}, but no keychain is available to this process`,
        `Run \`mcp-auth-proxy login ${server} --insecure-storage\` to keep it in a 0600 file instead, or reference it as env:VAR / file:PATH.`,
        unavailable,
      );
    }
    if (value === undefined || value === '') {
      throw new SecretError(
        'SECRET_NOT_FOUND',
        `${field}: no secret stored in the ${store?.label ?? 'keychain'} for keychain:${account}`,
        `Run \`mcp-auth-proxy login ${server}\` to store it.`,
      );
    }
    return value;
  }
}
