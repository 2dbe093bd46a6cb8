// `act-as`: a global service token that acts as one user (Glean style):
// `Authorization: Bearer <token>` plus the user's email in a configurable
// header (`X-Glean-ActAs`; older deployments read `X-Scio-Actas`). The email
// comes from config, or with "$caller" (team mode) from the caller the
// identity step verified, limited to `allowDomains`; never from the agent,
// whose copies of the header are stripped.
import { CALLER } from '../config/team-values.js';
import { isEmail } from '../identity/principal.js';
import { CallerRefused, fixedHeaderSigner, type Identity, type Signer } from './scheme.js';

export interface ActAsOptions {
  token: string;
  /** An email, or "$caller". */
  user: string;
  header: string;
  allowDomains?: readonly string[];
}

export function createActAsSigner(options: ActAsOptions): Signer {
  if (options.user !== CALLER) return fixedHeaderSigner('act-as', { authorization: `Bearer ${options.token}`, [options.header]: options.user });
  const header = options.header.toLowerCase();
  const authorization = `Bearer ${options.token}`;
  const acting = callerActing(options.allowDomains);
  return {
    type: 'act-as',
    needsBody: false,
    headerNames: Object.freeze(['authorization', header]),
    sign: ({ identity }) => ({ authorization, [header]: acting(identity) }),
  };
}

/**
 * For "$caller": the email to act as, the verified caller's; refused (never
 * signed) for the local user or a caller outside `allowDomains`.
 */
export function callerActing(allowDomains: readonly string[] | undefined): (identity: Identity) => string {
  const domains = allowDomains?.map((d) => `@${d.toLowerCase()}`);
  return (identity) => {
    if (identity.method === 'local' || !isEmail(identity.user)) {
      throw new CallerRefused(401, 'CALLER_REQUIRED', 'this server acts as its caller: sign in to the proxy first');
    }
    const user = identity.user.toLowerCase();
    if (domains && !domains.some((domain) => user.endsWith(domain))) {
      throw new CallerRefused(403, 'CALLER_NOT_ALLOWED', `${user} may not be acted as on this server (allowed: ${allowDomains?.join(', ')})`);
    }
    return user;
  };
}
