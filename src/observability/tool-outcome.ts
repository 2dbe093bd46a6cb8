// A tools/call's outcome read from the upstream's answer as it streams to the
// client: the proxy relays the bytes untouched, this only looks. A JSON answer
// is buffered (up to a cap) and parsed once at the end; an event stream is
// parsed as it arrives, until the response to our id shows up.
import { createParser, type EventSourceParser } from 'eventsource-parser';

export type ToolOutcomeKind = 'ok' | 'tool-error' | 'rpc-error' | 'no-answer' | 'unparsed';

export interface ToolOutcome {
  outcome: ToolOutcomeKind;
  /** The JSON-RPC error of an 'rpc-error', its message cut to 200 characters. */
  rpcError?: { code: number; message: string };
}

export interface OutcomeTapOptions {
  /** The answer's Content-Type. */
  contentType: string | undefined;
  /** The id of the tools/call request whose response is wanted. */
  rpcId: string | number | null | undefined;
  /** A JSON body, or one event of a stream, past this is not parsed ('unparsed'). Default 1 MiB. */
  maxBytes?: number;
}

export interface OutcomeTap {
  /** One chunk of the answer, as relayed. */
  push(chunk: Buffer): void;
  /** The outcome, once the answer ended (or was cut off). */
  finish(): ToolOutcome;
}

export const DEFAULT_OUTCOME_MAX_BYTES = 1024 * 1024;
const MAX_ERROR_MESSAGE = 200;

export function createOutcomeTap(options: OutcomeTapOptions): OutcomeTap {
  const type = options.contentType?.toLowerCase().trimStart() ?? '';
  const maxBytes = options.maxBytes ?? DEFAULT_OUTCOME_MAX_BYTES;
  if (type.startsWith('application/json')) return jsonTap(options.rpcId, maxBytes);
  if (type.startsWith('text/event-stream')) return eventStreamTap(options.rpcId, maxBytes);
  let seen = false;
  return {
    push(chunk) {
      seen ||= chunk.length > 0;
    },
    finish: () => ({ outcome: seen ? 'unparsed' : 'no-answer' }),
  };
}

/** Buffers up to maxBytes, parses at finish: a single response or a batch. */
function jsonTap(rpcId: OutcomeTapOptions['rpcId'], maxBytes: number): OutcomeTap {
  let chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  return {
    push(chunk) {
      if (overflow) return;
      size += chunk.length;
      if (size > maxBytes) {
        overflow = true;
        chunks = [];
      } else chunks.push(chunk);
    },
    finish() {
      if (overflow) return { outcome: 'unparsed' };
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return { outcome: 'no-answer' };
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return { outcome: 'unparsed' };
      }
      const single = !Array.isArray(body);
      const found = (single ? [body] : (body as unknown[])).find((message) => answers(message, rpcId, single));
      return found === undefined ? { outcome: 'no-answer' } : outcomeOf(found);
    },
  };
}

/** Parses events as they come; the first response to rpcId settles it and the rest is ignored. */
function eventStreamTap(rpcId: OutcomeTapOptions['rpcId'], maxBytes: number): OutcomeTap {
  let found: ToolOutcome | undefined;
  let broken = false;
  const decoder = new TextDecoder();
  const parser: EventSourceParser = createParser({
    // Characters, not bytes: near enough for a cap whose job is bounding memory.
    maxBufferSize: maxBytes,
    onEvent(event) {
      if (found) return;
      let message: unknown;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      // An event may carry a batch of responses (2025-03-26).
      const messages = Array.isArray(message) ? message : [message];
      const answer = messages.find((m) => answers(m, rpcId, false));
      if (answer !== undefined) found = outcomeOf(answer);
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
      if (found || broken || chunk.length === 0) return;
      endsWithCR = chunk[chunk.length - 1] === 0x0d;
      feed(decoder.decode(chunk, { stream: true }));
    },
    finish() {
      // The parser holds a final CR in case an LF follows; the stream has ended, so none will.
      if (!found && !broken && endsWithCR) {
        endsWithCR = false;
        feed('\n');
      }
      return found ?? { outcome: broken ? 'unparsed' : 'no-answer' };
    },
  };
}

/**
 * Whether a message is the response to rpcId: no method (a server's request
 * may reuse the number), a result or an error, the same id. A lone JSON answer
 * with id null and an error is the upstream failing to read the request at all.
 */
function answers(message: unknown, rpcId: OutcomeTapOptions['rpcId'], single: boolean): message is Record<string, unknown> {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return false;
  const m = message as Record<string, unknown>;
  if ('method' in m || !('result' in m || 'error' in m)) return false;
  if (rpcId !== undefined && m.id === rpcId) return true;
  return single && m.id === null && 'error' in m;
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
