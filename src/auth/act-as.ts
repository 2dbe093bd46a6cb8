// `act-as`: a global service token that acts as one user (Glean style):
// `Authorization: Bearer <token>` plus the user's email in a configurable
// header (`X-Glean-ActAs`; older deployments read `X-Scio-Actas`). The email
// comes from config only; an agent-sent copy of the header is stripped.
import { fixedHeaderSigner, type Signer } from './scheme.js';

export interface ActAsOptions {
  token: string;
  user: string;
  header: string;
}

export function createActAsSigner(options: ActAsOptions): Signer {
  return fixedHeaderSigner('act-as', { authorization: `Bearer ${options.token}`, [options.header]: options.user });
}
