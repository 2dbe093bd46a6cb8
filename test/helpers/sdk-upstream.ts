// A real MCP upstream for tests: an SDK McpServer over Streamable HTTP (with
// sessions), behind the test gateway, on 127.0.0.1:0 under a base path.
// Every request it receives is recorded with the gateway's verdict.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { checkSignature, type Received } from './gateway.js';
import { listen } from './net.js';

export interface SdkUpstreamOptions {
  keyId: string;
  secret: string;
  basePath?: string;
  /** Resolved by the test to let the `wait-for-release` tool finish. */
  release?: Promise<void>;
}

export interface SdkUpstream {
  url: string;
  received: Received[];
  rejected: () => Received[];
  close: () => Promise<void>;
}

export async function startSdkUpstream(options: SdkUpstreamOptions): Promise<SdkUpstream> {
  const basePath = options.basePath ?? '/api/v2/mcp';
  const received: Received[] = [];

  const makeServer = () => {
    const server = new McpServer({ name: 'test-upstream', version: '1.0.0' }, { capabilities: { logging: {} } });
    server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text: `echo: ${text}` }] }));
    server.registerTool('notify-then-wait', {}, async (extra) => {
      await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: 'first notification' } });
      await options.release;
      return { content: [{ type: 'text', text: 'released' }] };
    });
    return server;
  };
  const endpoint = sessionEndpoint(makeServer);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const verdict = checkSignature(req, options.keyId, options.secret);
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, verdict });
    if (verdict !== 'accepted') {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'HMAC realm="gateway"' });
      res.end(JSON.stringify({ error: verdict }));
      return;
    }
    if ((req.url ?? '').split('?')[0] !== basePath) {
      res.writeHead(404).end();
      return;
    }
    await endpoint.handle(req, res);
  };

  const http = await listen((req, res) => void handle(req, res).catch(() => res.destroy()));
  return {
    url: `${http.url}${basePath}`,
    received,
    rejected: () => received.filter((r) => r.verdict !== 'accepted'),
    close: async () => {
      await endpoint.close();
      await http.close();
    },
  };
}

/**
 * Streamable HTTP with sessions, a fresh McpServer from `makeServer` for
 * each: what every SDK test upstream here serves once it let a request in.
 * A request with an unknown session id gets 404, one without a session that
 * is not an initialize 400.
 */
export function sessionEndpoint(makeServer: () => McpServer): { handle(req: IncomingMessage, res: ServerResponse): Promise<void>; close(): Promise<void> } {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  return {
    async handle(req, res) {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
      const sid = req.headers['mcp-session-id'];
      let transport = typeof sid === 'string' ? sessions.get(sid) : undefined;
      if (!transport) {
        if (sid !== undefined || !isInitializeRequest(body)) {
          res.writeHead(sid !== undefined ? 404 : 400).end();
          return;
        }
        const t = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, onsessioninitialized: (id) => void sessions.set(id, t) });
        await makeServer().connect(t);
        transport = t;
      }
      await transport.handleRequest(req, res, body);
    },
    close: async () => {
      await Promise.all([...sessions.values()].map((t) => t.close()));
    },
  };
}
