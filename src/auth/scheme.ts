// The signer contract. A scheme turns the upstream request (method, full URL
// as sent, headers, and the body when it asks for one) into headers to add.
// Adding a scheme is one file plus tests, registered in ./index.ts.

export interface SignInput {
  method: string;
  /** The URL exactly as the upstream receives it (base path, suffix and query). */
  url: URL;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Present only when the scheme sets `needsBody`. */
  body?: Buffer;
  /** The acting identity; today always the local user. Team mode will set it per caller. */
  identity: Identity;
}

export interface Identity {
  kind: 'local-user';
}

export const LOCAL_USER: Identity = { kind: 'local-user' };

export interface Signer {
  readonly type: string;
  /** Whether sign() needs the request body bytes (e.g. future SigV4). */
  readonly needsBody: boolean;
  /** Header names (lower case) this scheme sets; agent-sent copies are always stripped. */
  readonly headerNames: readonly string[];
  sign(input: SignInput): Record<string, string>;
}
