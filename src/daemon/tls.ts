// Team mode's own HTTPS: the certificate chain from its file, the private
// key from a secret reference (a 0600 file, the keychain, or the
// environment), checked to belong together before the listener opens.
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { Config } from '../config/schema.js';
import { AppError } from '../errors.js';
import type { SecretResolver } from '../secrets/resolve.js';

export interface TlsMaterial {
  cert: string;
  key: string;
}

export async function loadTls(config: Config, secrets: SecretResolver): Promise<TlsMaterial | undefined> {
  if (!config.tls) return undefined;
  let cert: string;
  try {
    cert = await readFile(config.tls.cert, 'utf8');
  } catch (error) {
    throw new AppError('TLS_CERT_UNREADABLE', `tls.cert: cannot read ${config.tls.cert} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      hint: 'Point tls.cert at the PEM file with the certificate chain',
      cause: error,
    });
  }
  const key = await secrets.resolve(config.tls.key, 'tls.key', 'tls');
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new AppError('TLS_INVALID', `tls: the certificate and key cannot be used together: ${(error as Error).message}`, {
      hint: 'tls.cert must be a PEM certificate chain and tls.key its PEM private key',
      cause: error,
    });
  }
  return { cert, key };
}
