// The secret references an `auth` block holds, with what each one is for, so
// login knows what to prompt for, logout what to delete and doctor what to
// check, whatever the scheme.
import { isCommandServer } from './command-values.js';
import type { AuthConfig, ServerConfig } from './schema.js';
import { isSecretReference } from '../secrets/reference.js';
import { urlReferences } from '../secrets/url-references.js';

export interface CredentialReference {
  /** Field path under the server, e.g. `auth.secret` or `auth.headers.X-Api-Key`. */
  field: string;
  reference: string;
  /** What the user is asked for at login, e.g. "HMAC secret". */
  label: string;
}

export function credentialReferences(auth: AuthConfig): CredentialReference[] {
  switch (auth.type) {
    case 'hmac':
      return [{ field: 'auth.secret', reference: auth.secret, label: 'HMAC secret' }];
    case 'bearer':
      return [{ field: 'auth.token', reference: auth.token, label: 'bearer token' }];
    case 'act-as':
      return [{ field: 'auth.token', reference: auth.token, label: 'global service token' }];
    case 'headers':
      return Object.entries(auth.headers).map(([name, reference]) => ({ field: `auth.headers.${name}`, reference, label: `value of header ${name}` }));
    case 'oauth':
      if (auth.privateKey) return [{ field: 'auth.privateKey', reference: auth.privateKey, label: 'OAuth client private key (PEM)' }];
      return auth.clientSecret ? [{ field: 'auth.clientSecret', reference: auth.clientSecret, label: 'OAuth client secret' }] : [];
    case 'sigv4':
      return [
        ...(auth.accessKeyId ? [{ field: 'auth.accessKeyId', reference: auth.accessKeyId, label: 'AWS access key id' }] : []),
        ...(auth.secretAccessKey ? [{ field: 'auth.secretAccessKey', reference: auth.secretAccessKey, label: 'AWS secret access key' }] : []),
        ...(auth.sessionToken ? [{ field: 'auth.sessionToken', reference: auth.sessionToken, label: 'AWS session token' }] : []),
      ];
    case 'httpsig':
      return [{ field: 'auth.key', reference: auth.key, label: auth.alg === 'hmac-sha256' ? 'HTTP signature shared secret' : 'HTTP signature private key (PEM)' }];
    case 'none':
      return [];
  }
}

/** The secret references of any server: its auth's, or a command server's env references (`env.NAME`). */
export function serverCredentialReferences(server: ServerConfig): CredentialReference[] {
  if (!isCommandServer(server)) {
    const inUrl = urlReferences(server.url).map((reference) => ({ field: 'url', reference, label: 'secret in the URL' }));
    return [...inUrl, ...credentialReferences(server.auth)];
  }
  return Object.entries(server.env)
    .filter(([, value]) => isSecretReference(value))
    .map(([name, reference]) => ({ field: `env.${name}`, reference, label: `value of ${name}` }));
}

/** Whether the server keeps anything in the keychain (OAuth always does: its tokens). */
export function usesKeychain(server: ServerConfig): boolean {
  if (!isCommandServer(server) && server.auth.type === 'oauth') return true;
  return serverCredentialReferences(server).some((r) => r.reference.startsWith('keychain:'));
}
