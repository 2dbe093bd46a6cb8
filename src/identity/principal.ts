// Who a request comes from, once proved: the caller's email and groups and
// the identity method that proved it. In local mode it is the local user; in
// team mode one of the configured methods names it, or the request is refused.

export type IdentityMethodType = 'apiKey' | 'jwt' | 'proxyAssertion' | 'trustedHeader';

export interface Principal {
  /** The caller's email (what an act-as server with "$caller" sends). */
  user: string;
  groups: readonly string[];
  method: IdentityMethodType | 'local';
  /** The API key that proved it, for audit lines (never the key itself). */
  keyId?: string;
}

/** Why a request that presented a credential is refused: the status and a reason a user can act on. */
export interface Refusal {
  /**
   * 401: prove who you are; 403: proved, but not allowed; 404: no such MCP session (start one); 503: the proof cannot
   * be checked now (the identity provider's keys are out of reach).
   */
  status: 401 | 403 | 404 | 503;
  code: string;
  message: string;
}

/** A method's verdict: a principal, a refusal, or undefined when the request carries nothing for this method. */
export type IdentityResult = { principal: Principal } | { refusal: Refusal } | undefined;

export const LOCAL_PRINCIPAL: Principal = Object.freeze({ user: 'local-user', groups: Object.freeze([]) as readonly string[], method: 'local' });

/** The groups a claim or header holds: a list, or one string of names separated by spaces or commas. */
export function groupsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((g): g is string => typeof g === 'string' && g !== '');
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return [];
}

/** Printable ASCII only: the address goes upstream in a header, which cannot carry other characters. */
const EMAIL = /^[\x21-\x3f\x41-\x7e]+@[\x21-\x3f\x41-\x7e]+\.[\x21-\x3f\x41-\x7e]+$/;
export function isEmail(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 254 && EMAIL.test(value);
}
