// What every identity method of team mode is: given the request (and what the
// proxy knows of where it came from), a principal, a refusal, or nothing
// (the request carries no credential of this kind, so the next method is
// asked). One method per file beside this one.
import type { IncomingMessage } from 'node:http';
import type { JwtVerifier } from './jwt-verifier.js';
import { groupsOf, isEmail, type IdentityMethodType, type IdentityResult, type Principal, type Refusal } from './principal.js';

export interface RequestContext {
  /** The audiences a token for this request may carry by default: the URL of the server called, and publicUrl. */
  resources: readonly string[];
  /** Whether the connection comes from a trustedProxies address. */
  fromTrustedProxy: boolean;
}

export interface IdentityMethod {
  readonly type: IdentityMethodType;
  /** Headers this method reads: never forwarded upstream in team mode. */
  readonly headers: readonly string[];
  authenticate(req: IncomingMessage, context: RequestContext): IdentityResult | Promise<IdentityResult>;
  /** For doctor and status: whether what it depends on answers (JWKS, key store). */
  check?(): Promise<{ ok: boolean; detail: string }>;
  close?(): void;
}

export const refuse = (code: string, message: string, status: 401 | 403 | 503 = 401): { refusal: Refusal } => ({ refusal: { status, code, message } });

/** The bearer token of `Authorization: Bearer <token>`, if that is what the header holds. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  return header.slice(7).trim() || undefined;
}


/** The principal a verified token names, by the claims mapping; refused when the user claim is no email. */
export function principalFrom(verified: Awaited<ReturnType<JwtVerifier['verify']>>, claims: { user: string; groups: string }, method: 'jwt' | 'proxyAssertion'): IdentityResult {
  // Keys out of reach is no fault of the caller: 503, so the agent retries rather than signing in again.
  if ('reason' in verified) return refuse(verified.code, verified.reason, verified.code === 'IDENTITY_PROVIDER_UNREACHABLE' ? 503 : 401);
  const user = verified.payload[claims.user];
  // An address the identity provider has not verified is anyone's claim (self-service sign-up): never acted as.
  if (verified.payload.email_verified === false) return refuse('TOKEN_EMAIL_UNVERIFIED', 'the identity provider has not verified this email address; verify it there and sign in again', 403);
  if (!isEmail(user)) return refuse('TOKEN_NO_EMAIL', `the token's "${claims.user}" claim is not an email address in ASCII (a header upstream carries it); set identity[].claims.user to the claim that holds it`, 403);
  const principal: Principal = { user: user.toLowerCase(), groups: groupsOf(verified.payload[claims.groups]), method };
  return { principal };
}
