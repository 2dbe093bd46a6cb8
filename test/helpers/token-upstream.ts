// An HTTP MCP upstream that wants a credential the way hosted servers do:
// a bearer token, an API-key header or a key in the URL (path or query). An
// SDK McpServer (Streamable HTTP, sessions) behind `accepts`, which sees
// each request; refused ones get 401 and are counted.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { listen } from './net.js';

export interface TokenUpstream {
  url: string;
  refused: () => number;
  close: () => Promise<void>;
}

export async function startTokenUpstream(accepts: (req: IncomingMessage) => boolean): Promise<TokenUpstream> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  let refused = 0;
  const http = await listen((req, res) => {
    void (async () => {
      if (!accepts(req)) {
        refused += 1;
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
        return;
      }
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
      const sid = req.headers['mcp-session-id'];
      let transport = typeof sid === 'string' ? sessions.get(sid) : undefined;
      if (!transport) {
        if (!isInitializeRequest(body)) return void res.writeHead(sid ? 404 : 400).end();
        const t = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, onsessioninitialized: (id) => void sessions.set(id, t) });
        const server = new McpServer({ name: 'token-upstream', version: '1.0.0' });
        server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text: `upstream echo: ${text}` }] }));
        await server.connect(t);
        transport = t;
      }
      await transport.handleRequest(req, res, body);
    })().catch(() => res.destroy());
  });
  return {
    url: http.url,
    refused: () => refused,
    close: async () => {
      await Promise.all([...sessions.values()].map((t) => t.close()));
      await http.close();
    },
  };
}
