// RFC 8707 resources: the canonical form sent as `resource`, and whether a
// token issued for one may be sent to a given upstream URL. Kept apart from
// discovery so the proxy's token manager loads no discovery code.

/** Whether a token for `resource` may be sent to `serverUrl`: the same URL, or a path under it on the same origin. */
export function resourceCovers(resource: string, serverUrl: string): boolean {
  let named: URL;
  let server: URL;
  try {
    named = new URL(resource);
    server = new URL(serverUrl);
  } catch {
    return false;
  }
  const base = named.pathname.endsWith('/') ? named.pathname : `${named.pathname}/`;
  return named.origin === server.origin && (server.pathname === named.pathname || `${server.pathname}/`.startsWith(base));
}

/** RFC 8707 canonical form: no fragment; a bare origin without the trailing slash. */
export function canonicalResource(url: string): string {
  const parsed = new URL(url);
  parsed.hash = '';
  return parsed.pathname === '/' && !parsed.search ? parsed.origin : parsed.href;
}
