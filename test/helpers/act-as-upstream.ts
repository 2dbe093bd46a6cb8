// A Glean-style upstream for team-mode tests: an SDK McpServer over
// Streamable HTTP (with sessions) that accepts only its global token and
// acts as the user in the act-as header. Its `whoami` tool answers with the
// user it was asked to act as, so a test sees the identity end to end; every
// request is recorded with the act-as values exactly as they came on the wire.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { listen } from './net.js';

export const GLOBAL_TOKEN = 'glean-global-super-admin-token-5d0c7a';
export const ACT_AS_HEADER = 'x-glean-actas';

export interface ActAsRequest {
  method: string;
  headers: IncomingHttpHeaders;
  /** Every value of the act-as header on the wire, in any spelling (`_` for `-` too). */
  actAs: string[];
  /** The JSON-RPC request id and the text argument of an echo call, when the body had them. */
  rpcId?: unknown;
  text?: string;
  tokenOk: boolean;
}

export interface ActAsUpstream {
  url: string;
  received: ActAsRequest[];
  close(): Promise<void>;
}

export async function startActAsUpstream(): Promise<ActAsUpstream> {
  const received: ActAsRequest[] = [];
  const sessions = new Map<string, StreamableHTTPServerTransport>();

  const makeServer = () => {
    const server = new McpServer({ name: 'glean-like', version: '1.0.0' });
    server.registerTool('whoami', {}, async (extra) => ({ content: [{ type: 'text', text: String(extra.requestInfo?.headers[ACT_AS_HEADER] ?? '(nobody)') }] }));
    server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }, extra) => ({
      content: [{ type: 'text', text: `${String(extra.requestInfo?.headers[ACT_AS_HEADER])}: ${text}` }],
    }));
    return server;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const actAs: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if ((req.rawHeaders[i] as string).toLowerCase().replaceAll('_', '-') === ACT_AS_HEADER) actAs.push(req.rawHeaders[i + 1] as string);
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body = text ? (JSON.parse(text) as { id?: unknown; params?: { arguments?: { text?: string } } }) : undefined;
    const tokenOk = req.headers.authorization === `Bearer ${GLOBAL_TOKEN}`;
    received.push({ method: req.method ?? '', headers: req.headers, actAs, tokenOk, ...(body?.id !== undefined ? { rpcId: body.id } : {}), ...(body?.params?.arguments?.text ? { text: body.params.arguments.text } : {}) });
    if (!tokenOk || actAs.length !== 1) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: tokenOk ? 'exactly one act-as header expected' : 'bad token' }));
      return;
    }
    const sid = req.headers['mcp-session-id'];
    let transport = typeof sid === 'string' ? sessions.get(sid) : undefined;
    if (!transport) {
      if (req.method !== 'POST' || !isInitializeRequest(body)) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}');
        return;
      }
      const created = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => void sessions.set(id, created) });
      await makeServer().connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res, body);
  };

  const server = await listen((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  return { url: `${server.url}/rest/api/v1/mcp`, received, close: server.close };
}
