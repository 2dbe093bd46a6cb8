// The floor for a Node proxy: node:http piping to the upstream over a
// keep-alive agent with the proxy's own pool settings, signing each request
// with the same hmac scheme, nothing else (no guard, no routing, no logging).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmacSigner } from '../../src/auth/hmac.js';
import { LOCAL_USER } from '../../src/auth/scheme.js';
import { upstreamAgentOptions } from '../../src/proxy/upstreams.js';

/** The proxy's default maxConnections (src/config/schema.ts), which sizes its pool. */
const MAX_CONNECTIONS = 2048;

const upstream = new URL(process.env.BENCH_UPSTREAM ?? '');
const signer = createHmacSigner({ keyId: process.env.BENCH_KEY_ID ?? '', secret: process.env.BENCH_SECRET ?? '' });
const agent = new http.Agent(upstreamAgentOptions(MAX_CONNECTIONS));

const server = http.createServer((req, res) => {
  const url = new URL(upstream.href);
  const signed = signer.sign({ method: req.method ?? 'GET', url, headers: req.headers, identity: LOCAL_USER });
  const headers = { ...req.headers, ...signed, host: url.host };
  const proxyReq = http.request(url, { method: req.method, headers, agent }, (proxyRes) => {
    res.writeHead(proxyRes.statusCode ?? 502, proxyRes.headers);
    proxyRes.pipe(res);
  });
  proxyReq.on('error', () => res.destroy());
  req.pipe(proxyReq);
});
server.keepAliveTimeout = 60_000;
// A profiled run (the bench's profile section) needs a clean exit to write its profile.
process.once('SIGTERM', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`));
