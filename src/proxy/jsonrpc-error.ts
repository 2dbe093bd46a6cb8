// Errors the proxy itself answers with, as JSON-RPC error bodies so an agent
// shows the user a message (naming the server and the fix) instead of a bare
// HTTP status. The id echoes the request's when the body had one.
import type { ServerResponse } from 'node:http';

export interface ProxyErrorBody {
  status: number;
  /** JSON-RPC error code, in the implementation-defined server range. */
  rpcCode: number;
  /** Stable string code, also in `error.data.code`. */
  code: string;
  message: string;
  hint?: string;
  server?: string;
}

/** Takes the values of known secrets out of a text the proxy writes. */
export type Redact = (text: string) => string;
const unchanged: Redact = (text) => text;

export const RPC = {
  /** Team mode: the caller did not prove who it is. */
  unauthenticated: -32001,
  routeNotFound: -32601,
  parseError: -32700,
  invalidRequest: -32600,
  upstreamUnreachable: -32002,
  upstreamTimeout: -32003,
  noCredential: -32004,
  forbidden: -32005,
  tooLarge: -32006,
  insufficientScope: -32007,
  /** Team mode: the identity provider's keys cannot be fetched, so no caller can be checked now. */
  identityUnavailable: -32008,
  /** Team mode: an MCP session id this proxy has no owner for (HTTP 404: the agent initializes again). */
  sessionUnknown: -32009,
} as const;

/** Body bytes of answers the proxy wrote itself, for the access log (relayed ones are counted by the relay). */
const ownAnswers = new WeakMap<ServerResponse, number>();

/** Writes an answer of the proxy's own (an error, a local route) and notes its size. */
export function sendOwnAnswer(res: ServerResponse, status: number, headers: Record<string, string | number>, body: string): void {
  const bytes = Buffer.byteLength(body);
  ownAnswers.set(res, bytes);
  res.writeHead(status, { ...headers, 'content-length': bytes });
  res.end(body);
}

/** Adds body bytes the proxy wrote itself to `res` piece by piece (its local keep-alive stream). */
export function countOwnBytes(res: ServerResponse, bytes: number): void {
  ownAnswers.set(res, (ownAnswers.get(res) ?? 0) + bytes);
}

/** The body bytes of the proxy's own answer on `res`, 0 when it wrote none. */
export function ownAnswerBytes(res: ServerResponse): number {
  return ownAnswers.get(res) ?? 0;
}

/** `redact` takes the proxy's known secret values out of the text (an error message can quote one). */
export function sendProxyError(res: ServerResponse, error: ProxyErrorBody, id: unknown = null, extraHeaders: Record<string, string> = {}, redact: Redact = unchanged): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const data: Record<string, unknown> = { code: error.code };
  if (error.server) data.server = error.server;
  if (error.hint) data.hint = error.hint;
  const body = redact(
    JSON.stringify({
      jsonrpc: '2.0',
      id: isJsonRpcId(id) ? id : null,
      error: { code: error.rpcCode, message: error.hint ? `${error.message}. ${error.hint}` : error.message, data },
    }),
  );
  sendOwnAnswer(res, error.status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...extraHeaders }, body);
}

/** The id of a single JSON-RPC request in `body`, if it is one; null otherwise. Only used on error paths. */
export function requestIdOf(body: Buffer | undefined): unknown {
  if (!body || body.length === 0 || body.length > 65_536) return null;
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && 'id' in parsed ? parsed.id : null;
  } catch {
    return null;
  }
}

function isJsonRpcId(id: unknown): boolean {
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}
