// An HTTP MCP upstream that wants a credential the way hosted servers do:
// a bearer token, an API-key header or a key in the URL (path or query). An
// SDK McpServer (Streamable HTTP, sessions) behind `accepts`, which sees
// each request; refused ones get 401 and are counted.
import type { IncomingMessage } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { listen } from './net.js';
import { sessionEndpoint } from './sdk-upstream.js';

export interface TokenUpstream {
  url: string;
  refused: () => number;
  close: () => Promise<void>;
}

export async function startTokenUpstream(accepts: (req: IncomingMessage) => boolean): Promise<TokenUpstream> {
  let refused = 0;
  const endpoint = sessionEndpoint(() => {
    const server = new McpServer({ name: 'token-upstream', version: '1.0.0' });
    server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text: `upstream echo: ${text}` }] }));
    return server;
  });
  const http = await listen((req, res) => {
    if (!accepts(req)) {
      refused += 1;
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      return;
    }
    endpoint.handle(req, res).catch(() => res.destroy());
  });
  return {
    url: http.url,
    refused: () => refused,
    close: async () => {
      await endpoint.close();
      await http.close();
    },
  };
}
