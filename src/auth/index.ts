// Builds the signer for a server's `auth` block, resolving its secret
// references first (which registers them with the redactor).
import type { AuthConfig } from '../config/schema.js';
import type { SecretResolver } from '../secrets/resolve.js';
import { createHmacSigner } from './hmac.js';
import type { Signer } from './scheme.js';

export interface SignerContext {
  server: string;
  secrets: SecretResolver;
  now?: () => number;
}

const NONE: Signer = { type: 'none', needsBody: false, headerNames: [], sign: () => ({}) };

export async function createSigner(auth: AuthConfig, context: SignerContext): Promise<Signer> {
  const field = `servers.${context.server}.auth`;
  switch (auth.type) {
    case 'hmac': {
      const secret = await context.secrets.resolve(auth.secret, `${field}.secret`, context.server);
      return createHmacSigner({ keyId: auth.keyId, secret, ...(context.now ? { now: context.now } : {}) });
    }
    case 'none':
      return NONE;
  }
}
