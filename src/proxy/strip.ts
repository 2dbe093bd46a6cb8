// Removes what an agent must not pass upstream: any credential it sent (the
// proxy's scheme adds the only ones that count), forwarding headers that
// would reveal or spoof the caller, and hop-by-hop headers of this connection.
import type { IncomingHttpHeaders } from 'node:http';

/** Credential headers an agent may send; always removed before signing. */
export const CREDENTIAL_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key-id',
  'x-api-key',
  'x-signature',
  'x-timestamp',
  'x-glean-actas',
  'x-scio-actas',
] as const;

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'transfer-encoding', 'expect'];
/** Set by the proxy itself: host (the upstream's), length (the buffered body's), origin (meaningless upstream). */
const REPLACED = ['host', 'content-length', 'origin', 'forwarded', 'x-real-ip'];

export function createStripper(extra: readonly string[] = []): (headers: IncomingHttpHeaders) => void {
  const names = new Set<string>([...CREDENTIAL_HEADERS, ...HOP_BY_HOP, ...REPLACED, ...extra.map((h) => h.toLowerCase())]);
  return (headers) => {
    const connection = headers.connection;
    if (typeof connection === 'string') {
      for (const token of connection.split(',')) delete headers[token.trim().toLowerCase()];
    }
    for (const name in headers) {
      if (names.has(name) || name.startsWith('x-forwarded-')) delete headers[name];
    }
  };
}

/** Hop-by-hop headers of the upstream response, removed before relaying. */
export function stripResponseHopByHop(headers: IncomingHttpHeaders): void {
  const connection = headers.connection;
  if (typeof connection === 'string') {
    for (const token of connection.split(',')) delete headers[token.trim().toLowerCase()];
  }
  for (const name of HOP_BY_HOP) delete headers[name];
}
