// The trustedHeader method: a plain identity header (oauth2-proxy's
// X-Auth-Request-Email), believed only on connections from trustedProxies.
import type { TrustedHeaderConfig } from '../config/team-schema.js';
import { groupsOf, isEmail } from './principal.js';
import { refuse, type IdentityMethod } from './method.js';

/** A plain identity header (oauth2-proxy's X-Auth-Request-Email), believed only from trustedProxies addresses. */
export function trustedHeaderMethod(config: TrustedHeaderConfig): IdentityMethod {
  const header = config.header.toLowerCase();
  const groupsHeader = config.groupsHeader?.toLowerCase();
  return {
    type: 'trustedHeader',
    headers: groupsHeader ? [header, groupsHeader] : [header],
    authenticate(req, context) {
      const value = req.headers[header];
      if (value === undefined) return undefined;
      // From anywhere else the header is a claim anyone can make: refused, never believed.
      if (!context.fromTrustedProxy) return refuse('UNTRUSTED_IDENTITY_HEADER', `${config.header} is believed only from the proxies in trustedProxies`, 403);
      if (!isEmail(value)) return refuse('IDENTITY_HEADER_INVALID', `${config.header} does not hold one email address`);
      const groups = groupsHeader ? groupsOf(req.headers[groupsHeader]) : [];
      return { principal: { user: value, groups, method: 'trustedHeader' } };
    },
  };
}

