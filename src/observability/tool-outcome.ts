// A tools/call's outcome read from the upstream's answer as it streams to the
// client: the proxy relays the bytes untouched, this only looks. One tap serves
// every call of a request: a JSON answer has each response object parsed as
// it closes, an event stream each event as it arrives, until every wanted id
// has its response; each call's outcome is then a lookup by id.
import { createParser, type EventSourceParser } from 'eventsource-parser';

export type ToolOutcomeKind = 'ok' | 'tool-error' | 'rpc-error' | 'no-answer' | 'unparsed';

export interface ToolOutcome {
  outcome: ToolOutcomeKind;
  /** The JSON-RPC error of an 'rpc-error', its message cut to 200 characters. */
  rpcError?: { code: number; message: string };
}

export type RpcId = string | number | null | undefined;

export interface OutcomeTapOptions {
  /** The answer's Content-Type. */
  contentType: string | undefined;
  /** The id of the tools/call request whose response is wanted. */
  rpcId: RpcId;
  /** A JSON message, or one event of a stream, past this is not parsed ('unparsed'). Default 1 MiB. */
  maxBytes?: number;
}

export interface OutcomeTap {
  /** One chunk of the answer, as relayed. */
  push(chunk: Buffer): void;
  /** The outcome, once the answer ended (or was cut off). */
  finish(): ToolOutcome;
}

export interface OutcomesTapOptions extends Omit<OutcomeTapOptions, 'rpcId'> {
  /** The ids of the tools/call requests whose responses are wanted; absent: every response in the answer. */
  rpcIds?: RpcId[];
}

/**
 * One tap for every tool call of a request (a batch may hold tens of
 * thousands): the answer is read once, whatever the number of calls, and each
 * call's outcome is a lookup by id afterwards.
 */
export interface OutcomesTap {
  push(chunk: Buffer): void;
  /** Once the answer ended: the outcome for each id. */
  finish(): (rpcId: RpcId) => ToolOutcome;
}

export const DEFAULT_OUTCOME_MAX_BYTES = 1024 * 1024;
const MAX_ERROR_MESSAGE = 200;

export function createOutcomeTap(options: OutcomeTapOptions): OutcomeTap {
  const tap = createOutcomesTap({ ...options, rpcIds: [options.rpcId] });
  return { push: (chunk) => tap.push(chunk), finish: () => tap.finish()(options.rpcId) };
}

export function createOutcomesTap(options: OutcomesTapOptions): OutcomesTap {
  const type = options.contentType?.toLowerCase().trimStart() ?? '';
  const maxBytes = options.maxBytes ?? DEFAULT_OUTCOME_MAX_BYTES;
  const wanted = options.rpcIds && new Set(options.rpcIds.filter((id): id is Exclude<RpcId, undefined> => id !== undefined));
  if (type.startsWith('application/json')) return jsonTap(wanted, maxBytes);
  if (type.startsWith('text/event-stream')) return eventStreamTap(wanted, maxBytes);
  let seen = false;
  return {
    push(chunk) {
      seen ||= chunk.length > 0;
    },
    finish: () => {
      const outcome: ToolOutcome = { outcome: seen ? 'unparsed' : 'no-answer' };
      return () => outcome;
    },
  };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * A JSON answer, a single response or a batch, read as it streams: a small
 * state machine over the bytes finds each top-level response object (the
 * answer itself, or each element of a batch) and parses that one object when
 * it closes. Work per chunk is bounded by the chunk; memory by the largest
 * object (past maxBytes that object counts as 'unparsed'), never by the
 * size of the whole answer.
 */
function jsonTap(wanted: Set<Exclude<RpcId, undefined>> | undefined, maxBytes: number): OutcomesTap {
  const found = new Map<Exclude<RpcId, undefined>, ToolOutcome>();
  /** A lone answer with id null and an error: the upstream could not read the request at all. */
  let lone: ToolOutcome | undefined;
  /** Decided by the first byte that is not white space: { a single response, [ a batch, else not JSON-RPC. */
  let shape: 'unknown' | 'single' | 'batch' | 'other' = 'unknown';
  /** The answer was read to its end, or every wanted id has its response: nothing more to look at. */
  let complete = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** Inside a response object; its bytes so far in `parts` (undefined once it grew past maxBytes). */
  let open = false;
  let parts: Buffer[] | undefined;
  let size = 0;
  let broken = false;

  const element = (json: Buffer) => {
    let message: unknown;
    try {
      message = JSON.parse(json.toString('utf8'));
    } catch {
      broken = true;
      return;
    }
    if (!isResponse(message)) return;
    const id = message.id;
    if (shape === 'single' && id === null && 'error' in message) lone = outcomeOf(message);
    if (!isId(id) || found.has(id) || (wanted && !wanted.has(id))) return;
    found.set(id, outcomeOf(message));
    // Every call has its response: the rest of the answer is not looked at.
    if (wanted && found.size === wanted.size) complete = true;
  };

  return {
    push(chunk) {
      if (complete || shape === 'other') return;
      let from = 0;
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i] as number;
        if (inString) {
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) inString = false;
          continue;
        }
        if (shape === 'unknown') {
          if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
          if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) {
            shape = 'other';
            return;
          }
          shape = c === OPEN_ARRAY ? 'batch' : 'single';
        }
        // Response objects sit at the top (a single answer) or one level down (the elements of a batch).
        const top = shape === 'batch' ? 1 : 0;
        if (c === QUOTE) inString = true;
        else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
          if (c === OPEN_OBJECT && depth === top) {
            open = true;
            parts = [];
            size = 0;
            from = i;
          }
          depth++;
        } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
          depth--;
          if (open && depth === top) {
            open = false;
            const last = chunk.subarray(from, i + 1);
            if (parts && size + last.length <= maxBytes) {
              parts.push(last);
              element(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts));
            } else broken = true;
            parts = undefined;
          }
          if (depth <= 0) complete = true;
          if (complete) return;
        }
      }
      if (open && parts) {
        const rest = chunk.subarray(from);
        size += rest.length;
        if (size > maxBytes) {
          // Too big to parse: read on past it; its call (if one of ours) is 'unparsed'.
          parts = undefined;
          broken = true;
        } else parts.push(rest);
      }
    },
    finish() {
      // An answer cut off before its end could not be read whole: calls without a response are 'unparsed'.
      if (!complete && (shape === 'single' || shape === 'batch')) broken = true;
      const rest: ToolOutcome = { outcome: broken || shape === 'other' ? 'unparsed' : 'no-answer' };
      return (rpcId) => (rpcId === undefined ? undefined : found.get(rpcId)) ?? (shape === 'single' ? lone : undefined) ?? rest;
    },
  };
}

/** Parses events as they come; once every wanted id has its response, the rest is ignored. */
function eventStreamTap(wanted: Set<Exclude<RpcId, undefined>> | undefined, maxBytes: number): OutcomesTap {
  const found = new Map<Exclude<RpcId, undefined>, ToolOutcome>();
  let done = wanted?.size === 0;
  let broken = false;
  const decoder = new TextDecoder();
  const parser: EventSourceParser = createParser({
    // Characters, not bytes: near enough for a cap whose job is bounding memory.
    maxBufferSize: maxBytes,
    onEvent(event) {
      if (done) return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      // An event may carry a batch of responses (2025-03-26).
      for (const m of Array.isArray(message) ? message : [message]) {
        if (!isResponse(m)) continue;
        const id = m.id;
        if (isId(id) && !found.has(id) && (!wanted || wanted.has(id))) found.set(id, outcomeOf(m));
      }
      done = wanted !== undefined && found.size === wanted.size;
    },
    onError(error) {
      if (error.type === 'max-buffer-size-exceeded') broken = true;
    },
  });
  let endsWithCR = false;
  const feed = (text: string) => {
    try {
      parser.feed(text);
    } catch {
      // Never into the relay: an answer this tap cannot read is just 'unparsed'.
      broken = true;
    }
  };
  return {
    push(chunk) {
      if (done || broken || chunk.length === 0) return;
      endsWithCR = chunk[chunk.length - 1] === 0x0d;
      feed(decoder.decode(chunk, { stream: true }));
    },
    finish() {
      // The parser holds a final CR in case an LF follows; the stream has ended, so none will.
      if (!done && !broken && endsWithCR) {
        endsWithCR = false;
        feed('\n');
      }
      const rest: ToolOutcome = { outcome: broken ? 'unparsed' : 'no-answer' };
      return (rpcId) => (rpcId === undefined ? undefined : found.get(rpcId)) ?? rest;
    },
  };
}

/**
 * Whether a message is a response: no method (a server's request may reuse
 * an id), and a result or an error. Which call it answers is its id.
 */
function isResponse(message: unknown): message is Record<string, unknown> {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return false;
  return !('method' in message) && ('result' in message || 'error' in message);
}

function isId(id: unknown): id is Exclude<RpcId, undefined> {
  return typeof id === 'string' || typeof id === 'number' || id === null;
}

function outcomeOf(response: Record<string, unknown>): ToolOutcome {
  const { error, result } = response;
  if (error !== undefined) {
    const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
    const code = typeof e.code === 'number' && Number.isFinite(e.code) ? e.code : 0;
    const message = typeof e.message === 'string' ? e.message : '';
    return { outcome: 'rpc-error', rpcError: { code, message: message.length > MAX_ERROR_MESSAGE ? `${message.slice(0, MAX_ERROR_MESSAGE - 1)}…` : message } };
  }
  const isError = typeof result === 'object' && result !== null && (result as { isError?: unknown }).isError === true;
  return { outcome: isError ? 'tool-error' : 'ok' };
}
