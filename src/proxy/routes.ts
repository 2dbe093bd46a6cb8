// Maps a request path to what serves it: health endpoints and /metrics, an MCP route of a
// configured server (`/mcp`, `/{server}/mcp`, plus any suffix), or a local
// 404. OAuth discovery paths are never forwarded: agents must not start their
// own OAuth against the proxy. Whether a suffix may be forwarded is confine.ts's call.

export type Route =
  | { kind: 'healthz' }
  | { kind: 'readyz' }
  | { kind: 'statusz' }
  | { kind: 'metrics' }
  /** POST: `login` / `logout` changed a server's credential; read it again. */
  | { kind: 'credentialz' }
  | { kind: 'mcp'; server: string; suffix: string; query: string }
  /** The legacy HTTP+SSE pair: the agent's event stream and its message endpoint; prefix is the local path before them. */
  | { kind: 'legacy-sse'; server: string; prefix: string }
  | { kind: 'legacy-message'; server: string; query: string }
  | { kind: 'discovery' }
  | { kind: 'no-default'; servers: string[] }
  | { kind: 'unknown-server'; server: string; servers: string[] }
  | { kind: 'not-found' };

const DISCOVERY_SEGMENT = /^(?:oauth-[a-z-]+|openid-configuration)$/i;
const DISCOVERY_LEAF = new Set(['authorize', 'token', 'register']);

export interface RouteTable {
  servers: ReadonlySet<string>;
  defaultServer: string | undefined;
}

/**
 * Builds the matcher for a set of servers. Plain `/mcp` and `/{server}/mcp`
 * (every request of a typical session) resolve through a prebuilt map with no
 * allocation; anything else goes through the full parse below.
 */
export function createRouter(table: RouteTable): (url: string) => Route {
  const exact = new Map<string, Route>();
  for (const server of table.servers) exact.set(`/${encodeURIComponent(server)}/mcp`, { kind: 'mcp', server, suffix: '', query: '' });
  if (table.defaultServer !== undefined) exact.set('/mcp', { kind: 'mcp', server: table.defaultServer, suffix: '', query: '' });
  return (url) => exact.get(url) ?? matchRoute(url, table);
}

export function matchRoute(url: string, table: RouteTable): Route {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q);
  if (path === '/healthz') return { kind: 'healthz' };
  if (path === '/readyz') return { kind: 'readyz' };
  if (path === '/statusz') return { kind: 'statusz' };
  if (path === '/metrics') return { kind: 'metrics' };
  if (path === '/credentialz') return { kind: 'credentialz' };
  if (isDiscovery(path)) return { kind: 'discovery' };
  const legacy = matchLegacy(path, query, table);
  if (legacy) return legacy;

  let server: string | undefined;
  let rest: string;
  if (path === '/mcp' || path.startsWith('/mcp/')) {
    if (table.defaultServer === undefined) return { kind: 'no-default', servers: [...table.servers] };
    server = table.defaultServer;
    rest = path.slice(4);
  } else {
    const match = /^\/([^/]+)\/mcp(\/.*)?$/.exec(path);
    if (!match) return { kind: 'not-found' };
    server = decodeSegment(match[1] as string);
    rest = match[2] ?? '';
    if (server === undefined || !table.servers.has(server)) {
      return { kind: 'unknown-server', server: server ?? (match[1] as string), servers: [...table.servers] };
    }
  }
  return { kind: 'mcp', server, suffix: rest, query };
}

/** /sse and /messages (default server), /{server}/sse and /{server}/messages. */
function matchLegacy(path: string, query: string, table: RouteTable): Route | undefined {
  const match = /^(?:\/([^/]+))?\/(sse|messages)$/.exec(path);
  // /mcp/sse and /mcp/messages belong to the default server's MCP route (a path below /mcp).
  if (!match || match[1] === 'mcp') return undefined;
  const named = match[1] === undefined ? undefined : decodeSegment(match[1]);
  if (match[1] !== undefined && (named === undefined || !table.servers.has(named))) {
    return { kind: 'unknown-server', server: named ?? match[1], servers: [...table.servers] };
  }
  const server = named ?? table.defaultServer;
  if (server === undefined) return { kind: 'no-default', servers: [...table.servers] };
  const prefix = match[1] === undefined ? '' : `/${match[1]}`;
  return match[2] === 'sse' ? { kind: 'legacy-sse', server, prefix } : { kind: 'legacy-message', server, query };
}

function isDiscovery(path: string): boolean {
  const segments = path.split('/').filter(Boolean);
  const wellKnown = segments.indexOf('.well-known');
  if (wellKnown !== -1 && DISCOVERY_SEGMENT.test(segments[wellKnown + 1] ?? '')) return true;
  const leaf = segments[segments.length - 1];
  return segments.length <= 2 && leaf !== undefined && DISCOVERY_LEAF.has(leaf) && !segments.includes('mcp');
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
