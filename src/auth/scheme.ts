// The signer contract. A scheme turns the upstream request (method, full URL
// as sent, headers, and the body when it asks for one) into headers to add.
// Adding a scheme is one file plus tests, registered in ./index.ts.
import { LOCAL_PRINCIPAL, type Principal } from '../identity/principal.js';

export interface SignInput {
  method: string;
  /** The URL exactly as the upstream receives it (base path, suffix and query). */
  url: URL;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Present only when the scheme sets `needsBody`. */
  body?: Buffer;
  /** Who the request comes from: the local user, or in team mode the caller the identity step verified. */
  identity: Identity;
}

/** The caller a request acts for (see src/identity/principal.ts). */
export type Identity = Principal;

/** Local mode's one caller. */
export const LOCAL_USER: Identity = LOCAL_PRINCIPAL;

/**
 * A signer refusing this request for its caller (an act-as "$caller" server
 * and a caller it may not act as): answered with `status`, never forwarded.
 */
export class CallerRefused extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CallerRefused';
  }
}

export interface Signer {
  readonly type: string;
  /** Whether sign() needs the request body bytes (SigV4 and httpsig hash it). */
  readonly needsBody: boolean;
  /** Header names (lower case) this scheme sets; agent-sent copies are always stripped. */
  readonly headerNames: readonly string[];
  /**
   * The headers to add. Synchronous for every scheme that can be (the hot
   * path stays free of promises); a promise where the signing library is
   * asynchronous (SigV4): callers handle both, see `signedNow`.
   */
  sign(input: SignInput): SignedHeaders | Promise<SignedHeaders>;
  /**
   * For credentials that go stale (OAuth): null when sign() can run now, else
   * a promise that settles once it can, or rejects with an AppError saying
   * what the user must do (the proxy answers 503 with it).
   */
  prepare?(): Promise<void> | null;
  /**
   * The upstream answered 401 to a request sent with this Authorization value.
   * null: the 401 stands (relay it). A promise: resolves once a fresher
   * credential is in place (retry once), or rejects with what the user must do.
   */
  refreshAfterUnauthorized?(sentAuthorization: string | undefined): Promise<void> | null;
  /**
   * The upstream answered 403 with this body (the first bytes of it, as text).
   * null: the 403 stands. A promise: the credential it names as expired was
   * read again (SigV4 `ExpiredToken`); re-send once it resolves.
   */
  refreshAfterForbidden?(headers: Readonly<Record<string, string | string[] | undefined>>, body: string): Promise<void> | null;
  /** What `doctor` shows about how this scheme signs a sample request (never a secret), e.g. the httpsig signature base. */
  explain?(input: SignInput): Promise<string[]>;
  /** The upstream accepted a request re-sent after a refresh (so that credential works). */
  acceptedAfterRefresh?(sentAuthorization: string | undefined): void;
  /**
   * The upstream answered 403 with this WWW-Authenticate. For OAuth, a
   * `insufficient_scope` challenge: the scope it requires (remembered for the
   * next login, a step-up); undefined when the 403 is not one a login fixes.
   */
  insufficientScope?(challenge: string | undefined): string | undefined;
  /**
   * Signs in again asking for `scope` too, where this process may open the
   * user's browser (the stdio bridge); resolves once the new token is in use.
   * Absent in the daemon, which tells the agent to run `login` instead.
   */
  stepUp?(scope: string): Promise<void>;
  /** Whether the credential is usable now, with scheme details for `status` (never a secret). */
  state?(): CredentialState;
  /** Stops timers; called when the proxy closes. */
  close?(): void;
}

export type SignedHeaders = Record<string, string>;

/** A scheme that signs synchronously (all but SigV4): its headers come back at once. */
export interface SyncSigner extends Signer {
  sign(input: SignInput): SignedHeaders;
}

/** Whether a sign() result is already in hand (every scheme but SigV4), without a promise on the hot path. */
export function signedNow(result: SignedHeaders | Promise<SignedHeaders>): result is SignedHeaders {
  return typeof (result as Promise<SignedHeaders>).then !== 'function';
}

export interface CredentialState {
  ready: boolean;
  reason?: string;
  details?: Record<string, unknown>;
}

/** A scheme whose headers never change per request (bearer, headers, act-as): built once, returned as is. */
export function fixedHeaderSigner(type: string, headers: Record<string, string>): SyncSigner {
  const lowered: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) lowered[name.toLowerCase()] = value;
  const headerNames = Object.freeze(Object.keys(lowered));
  Object.freeze(lowered);
  return { type, needsBody: false, headerNames, sign: () => lowered };
}
