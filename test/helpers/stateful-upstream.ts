// A stateful SDK upstream for protocol-era tests: McpServer over
// StreamableHTTPServerTransport with session ids (randomUUID), behind the test
// gateway on 127.0.0.1:0. Every request is recorded with its verdict, body and
// the response exactly as the upstream wrote it; each session's server and
// transport are exposed so a test can push notifications or forget a session.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport, type EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { checkSignature } from './gateway.js';
import { listen } from './net.js';
import { KEY_ID, SECRET } from './proxy.js';

export interface Exchange {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  verdict: string;
  body: Buffer;
  /** The upstream's response: status and headers once written, `closed` when the connection ended. */
  res: ServerResponse;
  /** Every body byte the upstream wrote, in order. */
  written: Buffer[];
  /** The headers the upstream gave writeHead (names lower-cased), beside any set with setHeader. */
  wroteHeaders: Record<string, string>;
  closed: boolean;
}

export interface Session {
  server: McpServer;
  transport: StreamableHTTPServerTransport;
}

export interface StatefulUpstream {
  url: string;
  received: Exchange[];
  sessions: Map<string, Session>;
  /** The upstream forgets a session (as after a restart): its transport is closed, so the SDK answers 404 to it. */
  forget: (sessionId: string) => Promise<void>;
  close: () => Promise<void>;
}

export interface StatefulUpstreamOptions {
  basePath?: string;
  eventStore?: () => EventStore;
  /** Answer each GET (the standalone stream) only after this long: a slow server stream. */
  getDelayMs?: number;
}

export async function startStatefulUpstream(options: StatefulUpstreamOptions = {}): Promise<StatefulUpstream> {
  const basePath = options.basePath ?? '/mcp';
  const received: Exchange[] = [];
  const sessions = new Map<string, Session>();

  const handle = async (exchange: Exchange, req: IncomingMessage, res: ServerResponse) => {
    if (exchange.verdict !== 'accepted') {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: exchange.verdict }));
      return;
    }
    if (exchange.url.split('?')[0] !== basePath) {
      res.writeHead(404).end();
      return;
    }
    if (req.method === 'GET' && options.getDelayMs) await new Promise((resolve) => setTimeout(resolve, options.getDelayMs));
    const parsed = exchange.body.length ? (JSON.parse(exchange.body.toString('utf8')) as unknown) : undefined;
    const sid = exchange.headers['mcp-session-id'];
    let session = typeof sid === 'string' ? sessions.get(sid) : undefined;
    if (!session) {
      if (sid !== undefined || !isInitializeRequest(parsed)) {
        res.writeHead(sid !== undefined ? 404 : 400).end();
        return;
      }
      const server = new McpServer({ name: 'stateful-upstream', version: '1.0.0' }, { capabilities: { logging: {} } });
      server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text }) => ({ content: [{ type: 'text', text: `echo: ${text}` }] }));
      // A message of the session, not of the call: it can only travel on the standalone GET stream (dropped without one).
      server.registerTool('announce', {}, async () => {
        await server.server.notification({ method: 'notifications/message', params: { level: 'info', data: 'standalone announcement' } });
        return { content: [{ type: 'text', text: 'announced' }] };
      });
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        ...(options.eventStore ? { eventStore: options.eventStore() } : {}),
        onsessioninitialized: (id) => void sessions.set(id, { server, transport }),
      });
      await server.connect(transport);
      session = { server, transport };
    }
    await session.transport.handleRequest(req, res, parsed);
  };

  const http = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const exchange: Exchange = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        verdict: checkSignature(req, KEY_ID, SECRET),
        body: Buffer.concat(chunks),
        res,
        written: [],
        wroteHeaders: {},
        closed: false,
      };
      tap(res, exchange);
      res.once('close', () => (exchange.closed = true));
      received.push(exchange);
      handle(exchange, req, res).catch(() => res.destroy());
    });
  });

  return {
    url: `${http.url}${basePath}`,
    received,
    sessions,
    forget: async (sessionId) => {
      await sessions.get(sessionId)?.transport.close();
    },
    close: async () => {
      await Promise.all([...sessions.values()].map((s) => s.transport.close()));
      await http.close();
    },
  };
}

/** Copies the headers given to writeHead and every body chunk the response writes into the exchange. */
function tap(res: ServerResponse, exchange: Exchange): void {
  const into = exchange.written;
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((status: number, ...rest: unknown[]) => {
    const headers = rest.find((r) => typeof r === 'object' && r !== null);
    if (headers && !Array.isArray(headers)) {
      for (const [name, value] of Object.entries(headers)) exchange.wroteHeaders[name.toLowerCase()] = String(value);
    }
    return writeHead(status, ...rest);
  }) as ServerResponse['writeHead'];
  const keep = (chunk: unknown) => {
    if (typeof chunk === 'string') into.push(Buffer.from(chunk, 'utf8'));
    else if (chunk instanceof Uint8Array) into.push(Buffer.from(chunk));
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    keep(chunk);
    return write(chunk, ...rest);
  }) as ServerResponse['write'];
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    keep(chunk);
    return end(chunk, ...rest);
  }) as ServerResponse['end'];
}

/**
 * An EventStore with predictable ids (`<stream>#0001`, `<stream>#0002`, ...).
 * The SDK's example InMemoryEventStore cannot serve here: it takes the stream
 * id back as the text before the first "_", which is empty for the standalone
 * GET stream ("_GET_stream"), so nothing on that stream is ever replayed; and
 * it orders events of the same millisecond at random.
 */
export class SequencedEventStore implements EventStore {
  readonly events: Array<{ id: string; streamId: string; message: JSONRPCMessage }> = [];

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const id = `${streamId}#${String(this.events.length + 1).padStart(4, '0')}`;
    this.events.push({ id, streamId, message });
    return id;
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const at = this.events.findIndex((e) => e.id === lastEventId);
    if (at < 0) return '';
    const { streamId } = this.events[at] as { streamId: string };
    for (const event of this.events.slice(at + 1)) {
      if (event.streamId === streamId) await send(event.id, event.message);
    }
    return streamId;
  }
}
