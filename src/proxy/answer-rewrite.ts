// The relay's path for an answer the policy changes: a list filtered (the
// response to the agent's list request only), and in a batch the errors of
// the calls refused here joined to the upstream's answers. A JSON answer is
// held whole (it is one JSON text) and sent with its new length; an event
// stream goes event by event, the refused calls' errors as events of their
// own first, and once every filtered list has gone by, chunk by chunk as
// always. An answer that cannot be read (a content coding the proxy did not
// ask for, or past the size cap) is not passed on unfiltered.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger.js';
import { filterJson, type ListFilter, type RpcId } from './list-filter.js';
import { EventSplitter, filterEvent } from './sse-events.js';

export interface AnswerRewrite {
  /** The list requests of this request whose answers are filtered. */
  filter?: ListFilter;
  /** JSON-RPC error responses (serialised) for the calls refused here, joined to the answer. */
  denied?: Buffer[];
}

export interface RewriteTarget {
  status: number;
  statusMessage: string;
  /** The answer's headers as they go out (filtered, request id set); changed in place. */
  headers: IncomingHttpHeaders;
  eventStream: boolean;
  observe: (chunk: Buffer) => void;
  logger: Logger;
  requestId: string;
  /** Answers with the proxy's own error when the upstream's answer cannot be rewritten. */
  unreadable: (why: string) => void;
}

/** A JSON answer or one event larger than this is not held: the request fails rather than pass it on unfiltered. */
const MAX_HELD_BYTES = 32 * 1024 * 1024;

export function relayRewritten(rewrite: AnswerRewrite, source: IncomingMessage, res: ServerResponse, target: RewriteTarget): void {
  const coding = target.headers['content-encoding']?.trim().toLowerCase();
  if (coding && coding !== 'identity') {
    source.resume();
    return target.unreadable(`it came in a content coding (${coding}) though the proxy asked for none`);
  }
  // The length changes; digests of the original body no longer hold.
  for (const name of ['content-length', 'content-md5', 'digest', 'content-digest', 'repr-digest', 'etag']) delete target.headers[name];
  if (target.eventStream) return relayEvents(rewrite, source, res, target);
  holdJson(rewrite, source, res, target);
}

function holdJson(rewrite: AnswerRewrite, source: IncomingMessage, res: ServerResponse, target: RewriteTarget): void {
  const chunks: Buffer[] = [];
  let size = 0;
  source.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_HELD_BYTES) {
      source.destroy();
      if (!res.headersSent) target.unreadable(`it is larger than ${MAX_HELD_BYTES} bytes`);
      return;
    }
    chunks.push(chunk);
  });
  source.once('end', () => {
    if (res.headersSent || res.destroyed) return;
    let body: Buffer = Buffer.concat(chunks);
    let status = target.status;
    if (rewrite.filter) body = filterJson(body, rewrite.filter).body;
    if (rewrite.denied?.length) {
      body = joinErrors(body, rewrite.denied);
      // The upstream took the forwarded part without an answer (notifications only): the refused calls still get theirs.
      if (status === 202 || status === 204) {
        status = 200;
        target.headers['content-type'] = 'application/json';
      }
    }
    target.headers['content-length'] = String(body.length);
    res.writeHead(status, target.statusMessage, target.headers);
    target.observe(body);
    res.end(body);
  });
}

/** The upstream's JSON answer with the errors added: into its batch array, or around its one message. */
function joinErrors(body: Buffer, errors: Buffer[]): Buffer {
  const joined = Buffer.concat(errors.flatMap((error, k) => (k === 0 ? [error] : [COMMA, error])));
  const text = body.toString('latin1');
  const first = text.search(/\S/);
  if (first === -1) return Buffer.concat([OPEN, joined, CLOSE]);
  if (text[first] === '[') {
    const close = text.lastIndexOf(']');
    const empty = text.slice(first + 1, close).trim() === '';
    return Buffer.concat([body.subarray(0, close), ...(empty ? [] : [COMMA]), joined, body.subarray(close)]);
  }
  return Buffer.concat([OPEN, body, COMMA, joined, CLOSE]);
}

const OPEN = Buffer.from('[');
const CLOSE = Buffer.from(']');
const COMMA = Buffer.from(',');

function relayEvents(rewrite: AnswerRewrite, source: IncomingMessage, res: ServerResponse, target: RewriteTarget): void {
  res.writeHead(target.status, target.statusMessage, target.headers);
  const send = (bytes: Buffer) => {
    if (bytes.length === 0 || res.writableEnded) return;
    target.observe(bytes);
    if (!res.write(bytes)) {
      source.pause();
      res.once('drain', () => source.resume());
    }
  };
  for (const error of rewrite.denied ?? []) send(Buffer.concat([DATA, error, EVENT_END]));
  const waiting = new Set<RpcId>(rewrite.filter?.lists.keys() ?? []);
  // A GET stream's filter never ends: any event on it may be a list answer.
  const endless = rewrite.filter?.anyId === true;
  const done = () => !endless && waiting.size === 0;
  const splitter = waiting.size > 0 || endless ? new EventSplitter() : undefined;
  source.on('data', (chunk: Buffer) => {
    if (!splitter || done()) return send(chunk);
    for (const event of splitter.push(chunk)) {
      if (done()) {
        send(event);
        continue;
      }
      const filtered = filterEvent(event, rewrite.filter as ListFilter);
      for (const id of filtered.answered) waiting.delete(id);
      send(filtered.event);
    }
    // Every filtered list has gone by: what is held goes as it is, and the rest of the stream unparsed.
    if (done()) send(splitter.rest());
    else if (splitter.held > MAX_HELD_BYTES) {
      target.logger.warn('an event of a filtered list answer is too large to hold; the answer is cut', { requestId: target.requestId, bytes: splitter.held });
      source.destroy();
      res.destroy();
    }
  });
  source.once('end', () => {
    // An event cut short by the end of the stream is no event: it cannot carry a list past the filter.
    if (splitter && !done()) {
      const rest = splitter.rest();
      if (rest.length > 0) send(filterEvent(rest, rewrite.filter as ListFilter).event);
    }
    if (!res.writableEnded) res.end();
  });
}

const DATA = Buffer.from('event: message\ndata: ');
const EVENT_END = Buffer.from('\n\n');
