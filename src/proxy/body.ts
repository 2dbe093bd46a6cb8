// Reads a request body into memory, capped. MCP bodies are small JSON-RPC
// messages; holding one lets the proxy refuse an oversized body before a
// single byte goes upstream, sign schemes that need the bytes, and name the
// JSON-RPC id in its own errors. Callback style on purpose: it runs for every
// request, and continuing straight from the 'end' event is measurably
// cheaper than a promise and a microtask hop.
import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

const EMPTY = Buffer.alloc(0);

export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export type BodyCallback = (error: Error | undefined, body: Buffer) => void;

export function readBody(req: IncomingMessage, limit: number, done: BodyCallback): void {
  if (!hasBody(req)) return done(undefined, EMPTY);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return done(new BodyTooLargeError(limit), EMPTY);
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const finish = (error: Error | undefined) => {
    if (settled) return;
    settled = true;
    // A refused body must stop flowing: its listeners go. After 'end' nothing more comes (an error event after
    // it finds this settled), so the common case leaves them be rather than pay four removals per request.
    if (error) {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', finish);
      req.off('aborted', onAborted);
    }
    done(error, error ? EMPTY : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) finish(new BodyTooLargeError(limit));
    else chunks.push(chunk);
  };
  const onEnd = () => finish(undefined);
  const onAborted = () => finish(new Error('client aborted the request'));
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('error', finish);
  req.on('aborted', onAborted);
}
