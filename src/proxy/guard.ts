// Who may use a proxy that holds the user's credentials on localhost.
//
// A web page the user visits can make the browser send requests to
// 127.0.0.1; with DNS rebinding it can even make them look same-origin to the
// browser. So: the Host header must name this proxy (a rebound request
// carries the attacker's host name); a present Origin must be this proxy's
// own (`null` included: sandboxed pages send it); Sec-Fetch-Site must not say
// the request came from another site; a POST must be application/json (HTML
// forms cannot send that without a CORS preflight, which gets no CORS
// headers here); and the request target must be a path (no absolute URIs:
// this is not an open proxy). A request with two Host headers is malformed
// (RFC 9112: 400; Node keeps the first, a server behind us may take the
// other). Optionally, every caller must present the per-install client token
// (constant-time compare).
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { formatHostPort, isLoopbackHost } from '../config/listen-address.js';

export interface GuardRejection {
  status: number;
  code: string;
  message: string;
}

export interface Guard {
  check(req: IncomingMessage): GuardRejection | undefined;
  /** Host header values accepted, for messages and tests. */
  readonly hosts: ReadonlySet<string>;
}

export interface GuardOptions {
  /** Required in the CLIENT_TOKEN_HEADER of every request but GET /healthz, when set. */
  clientToken?: string;
  /** A Unix socket listener: no browser can reach it, so the Host names no network address. */
  socket?: boolean;
  /** The listener serves HTTPS (team mode's own TLS): its origins are https://. */
  https?: boolean;
  /**
   * Team mode: the URL agents reach the proxy at is a name of this proxy too
   * (Host and Origin); health and readiness probes (GET /healthz, /readyz)
   * come from load balancers and orchestrators with any Host.
   */
  team?: {
    publicUrl: string;
    /**
     * metricsFrom is set: Prometheus scrapes the pod by its address, so GET
     * /metrics passes any Host too (who may read it is the connection's
     * address, decided in local-routes.ts; a server with no browser on it).
     */
    scrape?: boolean;
  };
}

export const CLIENT_TOKEN_HEADER = 'x-mcp-proxy-token';

/** The Host values that name this proxy: loopback aliases plus the bound host, with the port. */
export function allowedHosts(boundHost: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '::1']);
  if (!isLoopbackHost(boundHost) && boundHost !== '0.0.0.0' && boundHost !== '::') names.add(boundHost.toLowerCase());
  if (isLoopbackHost(boundHost)) names.add(boundHost.toLowerCase());
  const hosts = new Set<string>();
  for (const name of names) {
    hosts.add(formatHostPort(name, port));
    if (port === 80) hosts.add(name.includes(':') ? `[${name}]` : name);
  }
  return hosts;
}

const FOREIGN_SITES = new Set(['cross-site', 'same-site']);

export function createGuard(boundHost: string, port: number, options: GuardOptions = {}): Guard {
  const hosts = allowedHosts(boundHost, port);
  const origins = new Set([...hosts].map((h) => `${options.https ? 'https' : 'http'}://${h}`));
  if (options.team) {
    const url = new URL(options.team.publicUrl);
    hosts.add(url.host.toLowerCase());
    origins.add(url.origin.toLowerCase());
  }
  const probesFromAnywhere = options.team !== undefined;
  const scrapeFromAnywhere = options.team?.scrape === true;
  const token = options.clientToken === undefined ? undefined : Buffer.from(options.clientToken);
  return {
    hosts,
    check(req) {
      const url = req.url ?? '/';
      if (!url.startsWith('/')) {
        return { status: 403, code: 'NOT_A_PROXY', message: 'This is not an open proxy: request targets must be paths such as /mcp' };
      }
      if (hostCount(req.rawHeaders) > 1) {
        return { status: 400, code: 'DUPLICATE_HOST', message: 'The request has more than one Host header; send exactly one' };
      }
      const host = req.headers.host?.toLowerCase();
      if (!options.socket && (!host || !hosts.has(host)) && !(probesFromAnywhere && isProbe(req.method, url)) && !(scrapeFromAnywhere && req.method === 'GET' && url === '/metrics')) {
        return { status: 403, code: 'FORBIDDEN_HOST', message: `Host "${host ?? ''}" is not this proxy; connect to ${options.team ? options.team.publicUrl : `http://127.0.0.1:${port}`}` };
      }
      const origin = req.headers.origin;
      if (origin !== undefined && (options.socket || !origins.has(origin.toLowerCase()))) {
        return { status: 403, code: 'FORBIDDEN_ORIGIN', message: `Origin "${origin}" may not use this proxy` };
      }
      const site = req.headers['sec-fetch-site'];
      if (typeof site === 'string' && FOREIGN_SITES.has(site.toLowerCase())) {
        return { status: 403, code: 'FORBIDDEN_SITE', message: `A ${site} request may not use this proxy` };
      }
      if (req.method === 'POST' && !isJson(req.headers['content-type'])) {
        return { status: 403, code: 'UNSUPPORTED_CONTENT_TYPE', message: 'POST bodies must be Content-Type: application/json' };
      }
      if (token && !(req.method === 'GET' && url === '/healthz') && !sameToken(req.headers[CLIENT_TOKEN_HEADER], token)) {
        return { status: 401, code: 'CLIENT_TOKEN_REQUIRED', message: `This proxy requires its client token in the ${CLIENT_TOKEN_HEADER} header` };
      }
      return undefined;
    },
  };
}

/** A health or readiness probe: answers nothing about upstreams to a caller beyond this machine. */
function isProbe(method: string | undefined, url: string): boolean {
  return (method === 'GET' || method === 'HEAD') && (url === '/healthz' || url === '/readyz');
}

/** Host headers in the raw list, any letter case; per request, so lengths first. */
function hostCount(raw: string[]): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 4 && (name === 'Host' || name === 'host' || name.toLowerCase() === 'host')) count++;
  }
  return count;
}

function isJson(contentType: string | undefined): boolean {
  // Per request: the common exact value without splitting strings.
  if (contentType === 'application/json') return true;
  if (contentType === undefined) return false;
  const type = contentType.split(';', 1)[0]?.trim().toLowerCase();
  return type === 'application/json';
}

function sameToken(sent: string | string[] | undefined, expected: Buffer): boolean {
  if (typeof sent !== 'string') return false;
  const given = Buffer.from(sent);
  // Compare lengths first (timingSafeEqual needs equal sizes); the length of a random token reveals nothing.
  return given.length === expected.length && timingSafeEqual(given, expected);
}
