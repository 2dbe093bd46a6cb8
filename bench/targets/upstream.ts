// Bench upstream: a minimal MCP-shaped JSON-RPC server that verifies the
// gateway signature on every signed request (so the bench also proves no
// signature was rejected) and answers with a small JSON result.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkSignature } from '../../test/helpers/gateway.js';

const keyId = process.env.BENCH_KEY_ID ?? '';
const secret = process.env.BENCH_SECRET ?? '';
const stats = { requests: 0, signed: 0, rejected: 0 };
const answer = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'echo: hi' }] } }));

const server = http.createServer((req, res) => {
  if (req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  stats.requests += 1;
  if (req.headers['x-signature'] !== undefined) {
    stats.signed += 1;
    if (checkSignature(req, keyId, secret) !== 'accepted') stats.rejected += 1;
  }
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': answer.length }).end(answer));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`));
