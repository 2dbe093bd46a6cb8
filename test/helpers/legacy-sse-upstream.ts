// A 2024-11-05 HTTP+SSE MCP upstream for tests: an SDK McpServer on the SDK's
// SSEServerTransport (GET /legacy/sse opens the stream, POST
// /legacy/messages?sessionId=... carries messages), behind the test gateway.
// Every request is recorded with the gateway's verdict.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { z } from 'zod';
import { checkSignature, type Received } from './gateway.js';
import { listen } from './net.js';

export interface LegacyUpstream {
  /** The SSE endpoint (what a server entry's url names). */
  url: string;
  origin: string;
  received: Received[];
  rejected: () => Received[];
  close: () => Promise<void>;
}

export async function startLegacySseUpstream(keyId: string, secret: string): Promise<LegacyUpstream> {
  const received: Received[] = [];
  const transports = new Map<string, SSEServerTransport>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const verdict = checkSignature(req, keyId, secret);
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, verdict });
    if (verdict !== 'accepted') {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: verdict }));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://upstream');
    if (req.method === 'GET' && url.pathname === '/legacy/sse') {
      const transport = new SSEServerTransport('/legacy/messages', res);
      transports.set(transport.sessionId, transport);
      res.once('close', () => transports.delete(transport.sessionId));
      const server = new McpServer({ name: 'legacy-upstream', version: '1.0.0' }, { capabilities: { logging: {} } });
      server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text: `legacy echo: ${text}` }] }));
      await server.connect(transport);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/legacy/messages') {
      const transport = transports.get(url.searchParams.get('sessionId') ?? '');
      if (!transport) {
        res.writeHead(404).end('unknown session');
        return;
      }
      await transport.handlePostMessage(req, res);
      return;
    }
    res.writeHead(404).end();
  };

  const http = await listen((req, res) => void handle(req, res).catch(() => res.destroy()));
  return {
    url: `${http.url}/legacy/sse`,
    origin: http.url,
    received,
    rejected: () => received.filter((r) => r.verdict !== 'accepted'),
    close: async () => {
      await Promise.all([...transports.values()].map((t) => t.close()));
      await http.close();
    },
  };
}
