// DNS-rebinding and cross-site protection for a server on localhost.
//
// A web page the user visits can make the browser send requests to
// 127.0.0.1; with DNS rebinding it can even make them look same-origin to the
// browser. Two checks stop that: the Host header must name this proxy (a
// rebound request carries the attacker's host name), and a present Origin
// must be this proxy's own (a cross-site request carries the page's origin).
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

export function createGuard(boundHost: string, port: number): Guard {
  const hosts = allowedHosts(boundHost, port);
  const origins = new Set([...hosts].map((h) => `http://${h}`));
  return {
    hosts,
    check(req) {
      const host = req.headers.host?.toLowerCase();
      if (!host || !hosts.has(host)) {
        return { status: 403, code: 'FORBIDDEN_HOST', message: `Host "${host ?? ''}" is not this proxy; connect to http://127.0.0.1:${port}` };
      }
      const origin = req.headers.origin;
      if (origin !== undefined && !origins.has(origin.toLowerCase())) {
        return { status: 403, code: 'FORBIDDEN_ORIGIN', message: `Origin "${origin}" may not use this proxy` };
      }
      return undefined;
    },
  };
}
