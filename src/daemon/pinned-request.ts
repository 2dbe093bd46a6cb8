// Requests from the CLI (status, stop, reload, login's follow-up) to a daemon
// serving HTTPS (team mode's own tls): its certificate names the public host,
// not 127.0.0.1, so the usual check cannot pass. Instead the connection is
// pinned to the certificate the daemon recorded in its state file (SHA-256
// fingerprint), checked before a byte of the request is sent.
import http from 'node:http';
import tls from 'node:tls';

export interface PinnedOptions {
  method?: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export function pinnedRequest(url: string, fingerprint: string, options: PinnedOptions): Promise<Response> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: target.hostname.replace(/^\[|\]$/g, ''), port: Number(target.port || 443), rejectUnauthorized: false });
    const timer = setTimeout(() => socket.destroy(new Error(`no answer from ${target.origin} within ${options.timeoutMs} ms`)), options.timeoutMs);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('secureConnect', () => {
      const seen = socket.getPeerCertificate().fingerprint256;
      if (seen !== fingerprint) {
        socket.destroy();
        clearTimeout(timer);
        reject(new Error(`${target.origin} presented a certificate other than the daemon's (${seen ?? 'none'})`));
        return;
      }
      // HTTP over the checked TLS socket (https.request would open its own connection and check names instead).
      const req = http.request({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: options.method ?? 'GET', headers: options.headers, createConnection: () => socket }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('end', () => {
          clearTimeout(timer);
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') headers.set(name, value);
          resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers }));
        });
        res.once('error', reject);
      });
      req.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.end(options.body);
    });
  });
}
