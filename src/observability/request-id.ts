// Request ids: the agent's X-Request-Id when it is well formed, else a new
// one. The id goes upstream, comes back in the answer and is on every log
// line of the request, so one value ties the agent, the proxy and the
// upstream together.
import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Printable ASCII without spaces, quotes or separators a log or header parser
 * could trip on, 1-128 characters: UUIDs, ULIDs, trace ids and the like pass;
 * anything else (control characters, a second header, an oversized value) is
 * replaced rather than trusted.
 */
const WELL_FORMED = /^[A-Za-z0-9][A-Za-z0-9._:@+=/-]{0,127}$/;

export function requestIdFrom(sent: string | string[] | undefined): string {
  return typeof sent === 'string' && WELL_FORMED.test(sent) ? sent : randomUUID();
}
