// `headers`: credential headers with fixed values (API keys such as
// `X-Api-Key`), each value read from its own secret reference.
import { fixedHeaderSigner, type Signer } from './scheme.js';

export function createHeadersSigner(headers: Record<string, string>): Signer {
  return fixedHeaderSigner('headers', headers);
}
