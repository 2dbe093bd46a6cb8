// Bench MCP upstream for the stdio round trips: a real SDK McpServer
// (stateless Streamable HTTP, JSON answers) behind the gateway check, so
// every tool call through a stdio client is signed and verified.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { checkSignature } from '../../test/helpers/gateway.js';

const keyId = process.env.BENCH_KEY_ID ?? '';
const secret = process.env.BENCH_SECRET ?? '';
const stats = { requests: 0, rejected: 0 };

const server = http.createServer((req, res) => {
  if (req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  stats.requests += 1;
  if (checkSignature(req, keyId, secret) !== 'accepted') {
    stats.rejected += 1;
    res.writeHead(401).end();
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405).end();
    return;
  }
  const mcp = new McpServer({ name: 'bench-upstream', version: '1' });
  mcp.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text: `echo: ${text}` }] }));
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => void transport.close());
  void mcp.connect(transport).then(() => transport.handleRequest(req, res));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`));
