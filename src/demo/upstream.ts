// The embedded demo upstream: an SDK MCP server (Streamable HTTP, with
// sessions) behind the gateway verifier, on 127.0.0.1 with a base path, so
// `demo` shows the whole signed flow with nothing else installed.
import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createDemoMcpServer } from './mcp-server.js';
import { verifyGatewayRequest, type GatewayKey } from './gateway.js';

export interface DemoUpstream {
  url: string;
  stats: { accepted: number; rejected: number; lastRejection?: string };
  close(): Promise<void>;
}

export const DEMO_BASE_PATH = '/gateway/v1/mcp';

export async function startDemoUpstream(key: GatewayKey): Promise<DemoUpstream> {
  const stats: DemoUpstream['stats'] = { accepted: 0, rejected: 0 };
  const sessions = new Map<string, StreamableHTTPServerTransport>();

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const verdict = verifyGatewayRequest(req, key);
    if (!verdict.ok) {
      stats.rejected += 1;
      stats.lastRejection = verdict.reason;
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: verdict.reason }));
      return;
    }
    stats.accepted += 1;
    if ((req.url ?? '').split('?', 1)[0] !== DEMO_BASE_PATH) {
      res.writeHead(404).end();
      return;
    }
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined || !isInitializeRequest(body)) {
        const status = sessionId !== undefined ? 404 : 400;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: status === 404 ? 'Session not found' : 'No session; send initialize first' } }));
        return;
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (id) => void sessions.set(id, created),
      });
      created.onclose = () => {
        if (created.sessionId) sessions.delete(created.sessionId);
      };
      await createDemoMcpServer().connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res, body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${DEMO_BASE_PATH}`,
    stats,
    async close() {
      await Promise.all([...sessions.values()].map((t) => t.close()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}
