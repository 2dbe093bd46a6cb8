// /{server}/mcp of a command server: the Streamable HTTP server side, in
// every era the proxy speaks. POST initialize opens a session (Mcp-Session-Id)
// on the child its sharing gives it; POSTs of that session are answered as
// JSON or over an event stream; GET opens the stream of the server's own
// messages (resumable with Last-Event-ID); DELETE ends the session. A
// 2026-07-28 request with no session is served statelessly. The handler
// calls this after its guard, identity and body steps, like forward.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Exchange } from '../../proxy/exchange.js';
import { RPC, sendProxyError, type ProxyErrorBody, type Redact } from '../../proxy/jsonrpc-error.js';
import type { StreamTracker } from '../../proxy/relay.js';
import { KEEPALIVE, SSE_HEADERS } from '../../proxy/sse.js';
import { countOwnBytes } from '../../proxy/jsonrpc-error.js';
import { REQUEST_ID_HEADER } from '../../observability/request-id.js';
import { Link } from './link.js';
import { NO_CAPABILITIES, capabilitiesOf, type Message, type Peer, type RpcId } from './peer.js';
import { Reply } from './reply.js';
import type { Session } from './session.js';
import type { CommandUpstream } from './upstream.js';

/** What the listener gives command servers: stream tracking (shutdown, the open-streams gauge) and redaction. */
export interface CommandHost {
  trackStream: StreamTracker;
  redact: Redact;
}

const STATELESS_VERSION = '2026-07-28';
const VERSION_META = 'io.modelcontextprotocol/protocolVersion';

export function serveCommand(upstream: CommandUpstream, req: IncomingMessage, res: ServerResponse, exchange: Exchange, body: Buffer, host: CommandHost): void {
  const fail = (error: Omit<ProxyErrorBody, 'server'>, id: unknown = null, headers: Record<string, string> = {}) => {
    exchange.failure ??= error.code.toLowerCase();
    sendProxyError(res, { ...error, server: upstream.name }, id, { [REQUEST_ID_HEADER]: exchange.requestId, ...headers }, host.redact);
  };
  const runtime = upstream.runtime;
  if (!runtime) {
    const cause = upstream.credentialError;
    return fail({ status: 503, rpcCode: RPC.noCredential, code: cause?.code ?? 'CREDENTIAL_UNAVAILABLE', message: `mcp-auth-proxy cannot start "${upstream.name}": ${cause?.message ?? 'a secret is missing'}`, hint: cause?.hint ?? `Run \`mcp-auth-proxy login ${upstream.name}\`` });
  }
  const sessionId = header(req, 'mcp-session-id');
  const accept = header(req, 'accept') ?? '';
  const sse = /text\/event-stream/i.test(accept);
  const json = accept === '' || /application\/json|application\/\*|\*\/\*/i.test(accept);

  if (exchange.method !== 'POST') {
    if (sessionId === undefined) {
      if ((header(req, 'mcp-protocol-version') ?? '') >= STATELESS_VERSION) return fail({ status: 405, rpcCode: RPC.invalidRequest, code: 'METHOD_NOT_ALLOWED', message: 'Stateless requests have no session: only POST' }, null, { allow: 'POST' });
      return fail({ status: 400, rpcCode: -32000, code: 'SESSION_REQUIRED', message: 'Bad Request: Mcp-Session-Id header is required' });
    }
    const session = runtime.sessions.get(sessionId);
    if (!session) return fail({ status: 404, rpcCode: -32001, code: 'SESSION_NOT_FOUND', message: 'Session not found' });
    if (exchange.method === 'DELETE') {
      // Answered once the session's own process (a per-session one) has ended, group and all.
      void runtime.endSession(session).then(() => {
        if (!res.destroyed) res.writeHead(200, { [REQUEST_ID_HEADER]: exchange.requestId }).end();
      });
      return;
    }
    if (!sse) return fail({ status: 406, rpcCode: -32000, code: 'NOT_ACCEPTABLE', message: 'Not Acceptable: the GET stream is text/event-stream' });
    if (session.streamOpen) return fail({ status: 409, rpcCode: -32000, code: 'STREAM_OPEN', message: 'Conflict: this session already has its GET stream open' });
    return openStream(upstream, session, req, res, exchange, host);
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return fail({ status: 400, rpcCode: -32700, code: 'PARSE_ERROR', message: 'Parse error: the body is not JSON' });
  }
  const messages = (Array.isArray(parsed) ? parsed : [parsed]) as Message[];
  if (messages.length === 0 || messages.some((m) => typeof m !== 'object' || m === null || m.jsonrpc !== '2.0')) {
    return fail({ status: 400, rpcCode: RPC.invalidRequest, code: 'INVALID_REQUEST', message: 'Invalid Request: a JSON-RPC 2.0 message or batch is expected' });
  }
  // One message on one line is written to the child as it came: no re-encoding on the common path.
  const raw = messages.length === 1 && body.indexOf(10) === -1 && body.indexOf(13) === -1 ? body : undefined;
  const requests = messages.filter((m) => typeof m.method === 'string' && m.id !== undefined && m.id !== null).map((m) => m.id as RpcId);
  const replyOptions = { sse, json, server: upstream.name, trackStream: host.trackStream };
  /** The answer ended (or its client left): status reports the last call; a client that left cancels what it asked. */
  const onDone = (session: Session) => (reply: Reply, unanswered: RpcId[]) => {
    upstream.last = { at: Date.now(), status: res.statusCode, latencyMs: Math.round((exchange.firstByteAt ?? performance.now()) - exchange.startedAt) };
    settle(session, reply, unanswered);
  };

  const init = messages.find((m) => m.method === 'initialize' && m.id !== undefined && m.id !== null);
  if (init) {
    if (messages.length > 1) return fail({ status: 400, rpcCode: RPC.invalidRequest, code: 'INVALID_REQUEST', message: 'Invalid Request: initialize must be sent on its own' });
    const opened = runtime.openSession(init, exchange.principal?.user, (session, ok) => {
      if (!ok) void runtime.endSession(session);
      // Team mode: the session belongs to the caller who opened it.
      else if (exchange.sessions && exchange.principal) exchange.sessions.claimSession(upstream.name, session.id, exchange.principal);
    });
    if ('status' in opened) return fail({ status: opened.status, rpcCode: RPC.upstreamUnreachable, code: opened.code, message: opened.message, ...(opened.hint ? { hint: opened.hint } : {}) }, init.id);
    const session = opened;
    const reply = new Reply(res, exchange, [init.id as RpcId], { ...replyOptions, sessionId: session.id, onDone: onDone(session) });
    session.replies.set(init.id as RpcId, reply);
    session.link.send(session, init, raw);
    return;
  }

  if (sessionId === undefined) {
    if (!isStateless(req, messages)) return fail({ status: 400, rpcCode: -32000, code: 'SESSION_REQUIRED', message: 'Bad Request: Mcp-Session-Id header is required (send initialize first)' });
    const lane = runtime.lane(exchange.principal?.user);
    if (!(lane instanceof Link)) return fail({ status: lane.status, rpcCode: RPC.upstreamUnreachable, code: lane.code, message: lane.message, ...(lane.hint ? { hint: lane.hint } : {}) });
    return stateless(lane, messages, requests, raw, res, exchange, { ...replyOptions, onDone: () => undefined });
  }
  const session = runtime.sessions.get(sessionId);
  if (!session) return fail({ status: 404, rpcCode: -32001, code: 'SESSION_NOT_FOUND', message: 'Session not found' }, requests.length === 1 ? requests[0] : null);
  session.lastActive = Date.now();
  if (requests.length > 0) {
    const reply = new Reply(res, exchange, requests, { ...replyOptions, sessionId: session.id, onDone: onDone(session) });
    const clashing = requests.filter((id) => session.replies.has(id));
    for (const id of requests) if (!clashing.includes(id)) session.replies.set(id, reply);
    for (const id of clashing) reply.answer(id, JSON.stringify({ jsonrpc: '2.0', id, error: { code: RPC.invalidRequest, message: `Request id ${JSON.stringify(id)} is already in flight in this session` } }));
    for (const message of messages) if (!(message.id !== undefined && clashing.includes(message.id as RpcId) && message.method !== undefined)) session.link.send(session, message, raw);
    return;
  }
  for (const message of messages) session.link.send(session, message, raw);
  res.writeHead(202, { 'mcp-session-id': session.id, [REQUEST_ID_HEADER]: exchange.requestId }).end();
}

/** A reply that ended with requests unanswered (its client left): the child is told to cancel them. */
function settle(session: Session, reply: Reply, unanswered: RpcId[]): void {
  for (const id of unanswered) {
    if (session.replies.get(id) !== reply) continue;
    session.replies.delete(id);
    session.link.send(session, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'the client disconnected' } });
  }
  session.lastActive = Date.now();
}

function openStream(upstream: CommandUpstream, session: Session, req: IncomingMessage, res: ServerResponse, exchange: Exchange, host: CommandHost): void {
  exchange.upstreamStatus = 200;
  exchange.firstByteAt = performance.now();
  res.writeHead(200, { ...SSE_HEADERS, 'mcp-session-id': session.id, [REQUEST_ID_HEADER]: exchange.requestId });
  res.flushHeaders();
  host.trackStream(res, upstream.name, () => res.end(), true);
  const beat = setInterval(() => {
    res.write(KEEPALIVE);
    countOwnBytes(res, KEEPALIVE.length);
  }, upstream.heartbeatMs);
  beat.unref();
  res.once('close', () => clearInterval(beat));
  session.openStream(res, header(req, 'last-event-id'));
  session.lastActive = Date.now();
}

/** A 2026-07-28 request without a session: its own short-lived peer on the server's shared child. */
function stateless(link: Link, messages: Message[], requests: RpcId[], raw: Buffer | undefined, res: ServerResponse, exchange: Exchange, options: ConstructorParameters<typeof Reply>[3]): void {
  const declared = messages.map((m) => m.params?._meta?.['io.modelcontextprotocol/clientCapabilities']).find((c) => typeof c === 'object' && c !== null);
  const peer: Peer & { reply?: Reply } = {
    capabilities: declared ? capabilitiesOf({ capabilities: declared }) : NO_CAPABILITIES,
    deliver(message, line, _related) {
      const text = line ?? JSON.stringify(message);
      if (message.method === undefined && message.id !== undefined && message.id !== null) peer.reply?.answer(message.id, text);
      else peer.reply?.event(text);
    },
  };
  if (requests.length > 0) peer.reply = new Reply(res, exchange, requests, { ...options, onDone: () => link.detach(peer) });
  link.attach(peer);
  for (const message of messages) link.send(peer, message, raw);
  if (requests.length === 0) {
    link.detach(peer);
    res.writeHead(202, { [REQUEST_ID_HEADER]: exchange.requestId }).end();
  }
}

function isStateless(req: IncomingMessage, messages: Message[]): boolean {
  if ((header(req, 'mcp-protocol-version') ?? '') >= STATELESS_VERSION) return true;
  return messages.some((m) => {
    const version = m.params?._meta?.[VERSION_META];
    return typeof version === 'string' && version >= STATELESS_VERSION;
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}
