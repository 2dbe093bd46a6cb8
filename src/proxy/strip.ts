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
  'x-mcp-proxy-token',
] as const;

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'transfer-encoding', 'expect'];
/** Set by the proxy itself: host (the upstream's), length (the buffered body's), origin (meaningless upstream). */
const REPLACED = ['host', 'content-length', 'origin', 'forwarded', 'x-real-ip'];

/**
 * Returns a copy of the agent's headers without the stripped ones. A copy, not
 * deletes: deleting properties drops V8 objects into slow dictionary mode, and
 * every later step (the proxy adds its headers to the copy and Node scans them) pays for it.
 */
export function createStripper(extra: readonly string[] = []): (headers: IncomingHttpHeaders) => IncomingHttpHeaders {
  const names = new Set<string>([...CREDENTIAL_HEADERS, ...HOP_BY_HOP, ...REPLACED, ...extra.map((h) => h.toLowerCase())]);
  return (headers) => {
    const listed = connectionTokens(headers.connection);
    const kept: IncomingHttpHeaders = {};
    for (const name in headers) {
      if (names.has(name) || name.startsWith('x-forwarded-') || listed?.has(name)) continue;
      kept[name] = headers[name];
    }
    return kept;
  };
}

/**
 * A copy of the upstream response headers without hop-by-hop ones, without
 * CORS headers (the proxy never lets a browser page read its answers), and
 * without any named in `drop`.
 */
export function responseHeaders(headers: IncomingHttpHeaders, drop?: string): IncomingHttpHeaders {
  const listed = connectionTokens(headers.connection);
  const kept: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP_SET.has(name) || name === drop || listed?.has(name) || name.startsWith('access-control-')) continue;
    kept[name] = headers[name];
  }
  return kept;
}

const HOP_BY_HOP_SET = new Set(HOP_BY_HOP);

function connectionTokens(connection: string | string[] | undefined): Set<string> | undefined {
  if (typeof connection !== 'string' || connection === 'keep-alive' || connection === 'close') return undefined;
  return new Set(connection.split(',').map((token) => token.trim().toLowerCase()));
}
