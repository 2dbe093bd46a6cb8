// Removes what an agent must not pass upstream: any credential it sent (the
// proxy's scheme adds the only ones that count), headers that assert who or
// where the caller is or rewrite the target, and hop-by-hop headers of this
// connection; and what an upstream must not pass to agents.
import type { IncomingHttpHeaders } from 'node:http';

/** Credentials an agent may send; always removed before signing. */
export const CREDENTIAL_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key-id',
  'x-api-key',
  'x-apikey',
  'api-key',
  'apikey',
  'x-api-token',
  'x-auth-token',
  'x-access-token',
  'private-token',
  'x-goog-api-key',
  'ocp-apim-subscription-key',
  'x-amz-security-token',
  'x-amz-date',
  'x-amz-content-sha256',
  'x-signature',
  'x-timestamp',
  'x-nonce',
  'x-glean-actas',
  'x-scio-actas',
  'x-glean-auth-type',
  'x-mcp-proxy-token',
] as const;

/** Who the caller is or where it connects from, as front ends and gateways assert it for the server behind them. */
export const IDENTITY_HEADERS = [
  'forwarded',
  'x-real-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'x-originating-ip',
  'x-remote-ip',
  'x-remote-addr',
  'x-remote-user',
  'remote-user',
  'x-user',
  'x-user-id',
  'x-user-email',
  'x-authenticated-user',
  'x-authenticated-userid',
  'x-client-cert',
  'ssl-client-cert',
  'x-ssl-client-cert',
  'x-ssl-client-verify',
  'x-ssl-client-dn',
  'x-pomerium-jwt-assertion',
] as const;

/** Rewrites of the target or method that some servers and frameworks honour over the request line. */
export const ROUTING_OVERRIDES = ['x-original-url', 'x-original-uri', 'x-rewrite-url', 'x-override-url', 'x-host', 'x-http-method-override', 'x-http-method', 'x-method-override'] as const;

/** Families of the above: forwarding headers, and identity assertions of ALB, Azure, IAP, oauth2-proxy (and Cloudflare Access, cf-access-*). */
const X_PREFIXES = ['x-forwarded-', 'x-amzn-oidc-', 'x-ms-client-principal', 'x-goog-authenticated-user-', 'x-goog-iap-', 'x-auth-request-'];

const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade', 'transfer-encoding', 'expect'];
/** Set by the proxy itself: host (the upstream's), length (the buffered body's), the request id (its own), origin (meaningless upstream). */
const REPLACED = ['host', 'content-length', 'x-request-id', 'origin'];

/**
 * The header name as servers behind CGI, WSGI, PHP or Rack read it: they turn
 * `-` into `_`, so `X_Glean_ActAs` reaches them as X-Glean-ActAs. Node has
 * lower-cased the name already; names without `_` (nearly all) cost one scan.
 */
function canonical(name: string): string {
  return name.indexOf('_') === -1 ? name : name.replaceAll('_', '-');
}

/** Per header of every request: most names start with neither `x-` nor `c`, and leave at the first test. */
function hasStrippedPrefix(name: string): boolean {
  const first = name.charCodeAt(0);
  if (first === 0x63) return name.startsWith('cf-access-');
  if (first !== 0x78 || name.charCodeAt(1) !== 0x2d) return false;
  for (const prefix of X_PREFIXES) if (name.startsWith(prefix)) return true;
  return false;
}

/**
 * Returns a copy of the agent's headers without the stripped ones, matched in
 * every spelling (`_` for `-`). `extra` names what this server's scheme and
 * static headers set. A copy, not deletes: deleting properties drops V8
 * objects into slow dictionary mode, and every later step (the proxy adds its
 * headers to the copy and Node scans them) pays for it.
 */
/**
 * Protocol headers the proxy reads under their own name (session ownership, resumption): another spelling
 * (`Mcp_Session_Id`) would pass the proxy's checks unseen and reach an upstream that reads `_` as `-`.
 */
const SPELLED_EXACTLY = new Set(['mcp-session-id', 'last-event-id', 'mcp-protocol-version', 'mcp-method', 'mcp-name']);

export function createStripper(extra: readonly string[] = []): (headers: IncomingHttpHeaders) => IncomingHttpHeaders {
  const names = new Set<string>([...CREDENTIAL_HEADERS, ...IDENTITY_HEADERS, ...ROUTING_OVERRIDES, ...HOP_BY_HOP, ...REPLACED, ...extra.map((h) => canonical(h.toLowerCase()))]);
  return (headers) => {
    const listed = connectionTokens(headers.connection);
    const kept: IncomingHttpHeaders = {};
    for (const name in headers) {
      const key = canonical(name);
      if (names.has(key) || hasStrippedPrefix(key) || listed?.has(key) || (key !== name && SPELLED_EXACTLY.has(key))) continue;
      kept[name] = headers[name];
    }
    return kept;
  };
}

/**
 * Never relayed to agents: the proxy, not the agent, holds the session and
 * the authentication with the upstream (and an agent that saw a challenge
 * would start its own OAuth against the proxy).
 */
const UPSTREAM_SESSION = new Set(['set-cookie', 'set-cookie2', 'www-authenticate', 'proxy-authenticate', 'authentication-info', 'proxy-authentication-info']);

/**
 * A copy of the upstream response headers without hop-by-hop ones, without
 * the upstream's cookies and authentication challenges, and without CORS
 * headers (the proxy never lets a browser page read its answers).
 */
export function responseHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const listed = connectionTokens(headers.connection);
  const kept: IncomingHttpHeaders = {};
  for (const name in headers) {
    if (HOP_BY_HOP_SET.has(name) || UPSTREAM_SESSION.has(name) || name.startsWith('access-control-') || listed?.has(canonical(name))) continue;
    kept[name] = headers[name];
  }
  return kept;
}

const HOP_BY_HOP_SET = new Set(HOP_BY_HOP);

function connectionTokens(connection: string | string[] | undefined): Set<string> | undefined {
  if (typeof connection !== 'string' || connection === 'keep-alive' || connection === 'close') return undefined;
  return new Set(connection.split(',').map((token) => canonical(token.trim().toLowerCase())));
}
