// `host:port` parsing for `listen` / MCP_LISTEN_ADDR / --listen, and the
// loopback test that decides whether binding needs --allow-remote.

export interface ListenAddress {
  host: string;
  port: number;
}

/** Parses `127.0.0.1:8787`, `localhost:0`, `[::1]:8787` or `:8787` (loopback). */
export function parseListenAddress(value: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(value.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  const host = match[1] ?? (match[2] || '127.0.0.1');
  return { host, port };
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}
