// `bearer`: a static token (an API token, a personal access token) sent as
// `Authorization: Bearer <token>` on every upstream request.
import { fixedHeaderSigner, type Signer } from './scheme.js';

export function createBearerSigner(token: string): Signer {
  return fixedHeaderSigner('bearer', { authorization: `Bearer ${token}` });
}
