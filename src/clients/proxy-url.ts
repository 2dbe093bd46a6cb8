// The proxy's base URL as agents reach it: the configured listen address,
// with an all-interfaces bind reached over loopback.
import { formatHostPort, parseListenAddress } from '../config/listen-address.js';

export function proxyBase(listen: string): string {
  const address = parseListenAddress(listen) ?? { host: '127.0.0.1', port: 8787 };
  const host = address.host === '0.0.0.0' || address.host === '::' ? '127.0.0.1' : address.host;
  return `http://${formatHostPort(host, address.port)}`;
}
