// Network checks for one upstream: DNS, TCP, TLS, and clock skew against the
// upstream's Date header (the gateway rejects signatures 300 s old).
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import { fail, pass, warn, type CheckResult } from './check.js';
import { httpRequest } from './http-request.js';

const TIMEOUT_MS = 5000;

export async function dnsCheck(name: string, url: URL): Promise<CheckResult> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) return pass(`${name}: DNS`, `${host} is an IP address`);
  try {
    const addresses = await lookup(host, { all: true });
    return pass(`${name}: DNS`, `${host} → ${addresses.map((a) => a.address).join(', ')}`);
  } catch (error) {
    return fail(`${name}: DNS`, `${host}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'Check the host name, VPN and DNS settings.');
  }
}

export function tcpCheck(name: string, url: URL): Promise<CheckResult> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect({ host, port, timeout: TIMEOUT_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve(pass(`${name}: TCP`, `connected to ${host}:${port} in ${Date.now() - started} ms`));
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(fail(`${name}: TCP`, `no answer from ${host}:${port} within ${TIMEOUT_MS} ms`, 'A firewall, VPN or proxy may be in the way.'));
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      resolve(fail(`${name}: TCP`, `${host}:${port}: ${error.code ?? error.message}`, 'Is the upstream running and reachable from this machine?')),
    );
  });
}

export function tlsCheck(name: string, url: URL): Promise<CheckResult> {
  if (url.protocol !== 'https:') return Promise.resolve(warn(`${name}: TLS`, 'plain http: traffic to the upstream is not encrypted', 'Use an https:// upstream URL unless it is on this machine.'));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port: Number(url.port || 443), servername: net.isIP(host) ? undefined : host, timeout: TIMEOUT_MS }, () => {
      const cert = socket.getPeerCertificate();
      socket.destroy();
      resolve(pass(`${name}: TLS`, `certificate for ${cert.subject?.CN ?? host}, valid until ${cert.valid_to}`));
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(fail(`${name}: TLS`, 'handshake timed out'));
    });
    socket.once('error', (error: NodeJS.ErrnoException) =>
      resolve(fail(`${name}: TLS`, `${error.code ?? ''} ${error.message}`.trim(), 'A corporate TLS proxy? Point NODE_EXTRA_CA_CERTS at its CA bundle.')),
    );
  });
}

/** Reads the upstream's Date with a plain GET: used only when no credential is available to sign a request. */
export async function upstreamDate(url: URL): Promise<string | undefined> {
  try {
    const { headers } = await httpRequest(url, { method: 'GET', timeoutMs: TIMEOUT_MS });
    return typeof headers.date === 'string' ? headers.date : undefined;
  } catch {
    return undefined;
  }
}

export function skewCheck(name: string, date: string | undefined, now: () => number = Date.now): CheckResult {
  if (!date) return warn(`${name}: clock`, "the upstream sent no Date header; skew unknown");
  const skew = Math.round((now() - Date.parse(date)) / 1000);
  const detail = `this machine is ${Math.abs(skew)} s ${skew >= 0 ? 'ahead of' : 'behind'} the upstream`;
  const hint = 'Sync the clock (NTP); the gateway rejects signatures 300 s old.';
  if (Math.abs(skew) > 240) return fail(`${name}: clock`, detail, hint);
  if (Math.abs(skew) > 60) return warn(`${name}: clock`, detail, hint);
  return pass(`${name}: clock`, detail);
}
