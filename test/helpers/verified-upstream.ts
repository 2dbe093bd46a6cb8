// A real MCP upstream (SDK McpServer over Streamable HTTP, with sessions)
// behind a pluggable request verifier: the test hands in the verifier of the
// scheme under test (SigV4, RFC 9421), written apart from the proxy's code.
// Every request is recorded with the verdict and the answer's content type.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { listen } from './net.js';

/** The verifier's answer: accepted, or the refusal the upstream sends (status, JSON body, headers). */
export type Verdict = { ok: true } | { ok: false; status: number; body: Record<string, unknown>; headers?: Record<string, string> };

export interface VerifiedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  verdict: Verdict;
  /** The answer's content type (text/event-stream for an SSE answer). */
  answeredAs?: string;
}

export interface VerifiedUpstream {
  url: string;
  received: VerifiedRequest[];
  rejected: () => VerifiedRequest[];
  close: () => Promise<void>;
}

export async function startVerifiedUpstream(verify: (req: IncomingMessage, body: Buffer) => Verdict | Promise<Verdict>, basePath = '/mcp'): Promise<VerifiedUpstream> {
  const received: VerifiedRequest[] = [];
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const makeServer = () => {
    const server = new McpServer({ name: 'verified-upstream', version: '1.0.0' });
    server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text: `echo: ${text}` }] }));
    return server;
  };
  const http = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => void answer(Buffer.concat(chunks)));
    const answer = async (body: Buffer) => {
      const verdict = await verify(req, body);
      const entry: VerifiedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, verdict };
      received.push(entry);
      // The SDK transport passes its headers to writeHead: read the content type there.
      const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => typeof res;
      res.writeHead = ((...args: unknown[]) => {
        const headers = args.find((a) => typeof a === 'object' && a !== null) as Record<string, unknown> | undefined;
        const type = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? res.getHeader('content-type');
        if (typeof type === 'string') entry.answeredAs = type;
        return writeHead(...args);
      }) as typeof res.writeHead;
      if (!verdict.ok) {
        res.writeHead(verdict.status, { 'content-type': 'application/json', ...verdict.headers });
        res.end(JSON.stringify(verdict.body));
        return;
      }
      if ((req.url ?? '').split('?')[0] !== basePath) {
        res.writeHead(404).end();
        return;
      }
      void (async () => {
        const parsed = body.length ? (JSON.parse(body.toString('utf8')) as unknown) : undefined;
        const sid = req.headers['mcp-session-id'];
        let transport = typeof sid === 'string' ? sessions.get(sid) : undefined;
        if (!transport) {
          if (sid !== undefined || !isInitializeRequest(parsed)) {
            res.writeHead(sid !== undefined ? 404 : 400).end();
            return;
          }
          const t = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, onsessioninitialized: (id) => void sessions.set(id, t) });
          await makeServer().connect(t);
          transport = t;
        }
        await transport.handleRequest(req, res, parsed);
      })().catch(() => res.destroy());
    };
  });
  return {
    url: `${http.url}${basePath}`,
    received,
    rejected: () => received.filter((r) => !r.verdict.ok),
    close: async () => {
      await Promise.all([...sessions.values()].map((t) => t.close()));
      await http.close();
    },
  };
}
