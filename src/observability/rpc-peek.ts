// Reads the JSON-RPC envelope of a request body for the access log, metrics
// and audit: method, id, and params.name / params.uri. It walks the bytes
// instead of parsing the whole body: structural characters are ASCII and never
// occur inside UTF-8 multi-byte sequences, strings are skipped with a native
// indexOf, and it stops once it has what it needs, so a tools/call with a
// megabyte of arguments costs about as little as a small one. Only the values
// it returns are decoded (with JSON.parse when they hold escapes).

export interface RpcEnvelope {
  method?: string;
  id?: string | number | null;
  /** params.name: the tool of tools/call, the prompt of prompts/get. */
  name?: string;
  /** params.uri: the resource of resources/read, subscribe, unsubscribe. */
  uri?: string;
}

export interface RpcPeek extends RpcEnvelope {
  /** Set for a batch (a JSON array): the envelope of each message. */
  batch?: RpcEnvelope[];
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

/** The envelope of a JSON-RPC message or batch; undefined when the body is not one (the upstream will say why). */
export function peekRpc(body: Buffer): RpcPeek | undefined {
  const start = skipSpace(body, 0);
  if (body[start] === OPEN_OBJECT) return envelopeAt(body, start);
  if (body[start] !== OPEN_ARRAY) return undefined;
  const batch: RpcEnvelope[] = [];
  let i = skipSpace(body, start + 1);
  if (body[i] === CLOSE_ARRAY) return { batch };
  for (;;) {
    if (body[i] === OPEN_OBJECT) batch.push(envelopeAt(body, i) ?? {});
    const end = valueEnd(body, i);
    if (end === -1) return { batch };
    i = skipSpace(body, end);
    if (body[i] !== COMMA) return { batch };
    i = skipSpace(body, i + 1);
  }
}

/** Whether the body is a JSON array (a batch), from its first byte that is not white space. */
export function isBatch(body: Buffer): boolean {
  return body[skipSpace(body, 0)] === OPEN_ARRAY;
}

/** One message of a batch: its envelope and where it is in the body ([start, end) in bytes). */
export interface BatchMessage {
  envelope: RpcEnvelope;
  start: number;
  end: number;
}

/**
 * The messages of a batch one at a time (the same walk as peekRpc's, one
 * entry per envelope it would return), so a caller can spread the work for a
 * batch of tens of thousands over many turns of the event loop, and parse one
 * message alone when it needs more than its envelope.
 */
export function* batchMessages(body: Buffer): Generator<BatchMessage, void, undefined> {
  const start = skipSpace(body, 0);
  if (body[start] !== OPEN_ARRAY) return;
  let i = skipSpace(body, start + 1);
  if (body[i] === CLOSE_ARRAY) return;
  for (;;) {
    const end = valueEnd(body, i);
    if (body[i] === OPEN_OBJECT) yield { envelope: envelopeAt(body, i) ?? {}, start: i, end: end === -1 ? body.length : end };
    if (end === -1) return;
    i = skipSpace(body, end);
    if (body[i] !== COMMA) return;
    i = skipSpace(body, i + 1);
  }
}

/**
 * The envelope of the object at `at`; undefined when the object is malformed
 * (or the walk stopped early) before a method was found. Straight-line loops,
 * no callbacks: this runs for every request.
 */
function envelopeAt(body: Buffer, at: number): RpcEnvelope | undefined {
  const found: RpcEnvelope = {};
  let params = false;
  let i = skipSpace(body, at + 1);
  if (body[i] === CLOSE_OBJECT) return found;
  for (;;) {
    if (body[i] !== QUOTE) break;
    const keyEnd = stringEnd(body, i);
    if (keyEnd === -1) break;
    const colon = skipSpace(body, keyEnd);
    if (body[colon] !== COLON) break;
    const valueStart = skipSpace(body, colon + 1);
    const keyStart = i + 1;
    let end: number;
    if (keyIs(body, keyStart, keyEnd - 1, 'method')) {
      if (body[valueStart] === QUOTE) found.method = decodeString(body, valueStart);
      end = valueEnd(body, valueStart);
    } else if (keyIs(body, keyStart, keyEnd - 1, 'id')) {
      found.id = decodeId(body, valueStart);
      end = valueEnd(body, valueStart);
    } else if (body[valueStart] === OPEN_OBJECT && keyIs(body, keyStart, keyEnd - 1, 'params')) {
      params = true;
      end = paramsAt(body, valueStart, found);
    } else end = valueEnd(body, valueStart);
    if (end === -1) break;
    // Everything the access log and metrics need is in hand: the rest is not read.
    if (found.method !== undefined && found.id !== undefined && (params || !wantsParams(found.method))) return found;
    i = skipSpace(body, end);
    if (body[i] === CLOSE_OBJECT) return found;
    if (body[i] !== COMMA) break;
    i = skipSpace(body, i + 1);
  }
  return found.method === undefined ? undefined : found;
}

/** Whether a method names its target in params (so the walk keeps going for them). */
function wantsParams(method: string): boolean {
  return method === 'tools/call' || method === 'prompts/get' || method.startsWith('resources/');
}

/** params.name and params.uri of the params object at `at`; the index after it, or -1 when malformed. */
function paramsAt(body: Buffer, at: number, found: RpcEnvelope): number {
  let i = skipSpace(body, at + 1);
  if (body[i] === CLOSE_OBJECT) return i + 1;
  for (;;) {
    if (body[i] !== QUOTE) return -1;
    const keyEnd = stringEnd(body, i);
    if (keyEnd === -1) return -1;
    const colon = skipSpace(body, keyEnd);
    if (body[colon] !== COLON) return -1;
    const valueStart = skipSpace(body, colon + 1);
    if (body[valueStart] === QUOTE) {
      if (keyIs(body, i + 1, keyEnd - 1, 'name')) found.name = decodeString(body, valueStart);
      else if (keyIs(body, i + 1, keyEnd - 1, 'uri')) found.uri = decodeString(body, valueStart);
    }
    const end = valueEnd(body, valueStart);
    if (end === -1) return -1;
    i = skipSpace(body, end);
    if (body[i] === CLOSE_OBJECT) return i + 1;
    if (body[i] !== COMMA) return -1;
    i = skipSpace(body, i + 1);
  }
}

export function skipSpace(body: Buffer, i: number): number {
  for (;;) {
    const c = body[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return i;
    i++;
  }
}

/** Strings shorter than this are scanned here; longer ones with the native indexOf, which costs a call but no loop. */
const SHORT_STRING = 48;

/** `i` is at an opening quote: the index after the closing one, or -1. */
function stringEnd(body: Buffer, i: number): number {
  const limit = Math.min(body.length, i + SHORT_STRING);
  let j = i + 1;
  for (; j < limit; j++) {
    const c = body[j];
    if (c === QUOTE) return j + 1;
    if (c === BACKSLASH) j++;
  }
  let from = j;
  for (;;) {
    const quote = body.indexOf(QUOTE, from);
    if (quote === -1) return -1;
    let backslashes = 0;
    for (let k = quote - 1; k > i && body[k] === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

/** The index after the JSON value starting at `i`, or -1. */
export function valueEnd(body: Buffer, i: number): number {
  const c = body[i];
  if (c === QUOTE) return stringEnd(body, i);
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 0;
    for (let j = i; j < body.length; ) {
      const d = body[j];
      if (d === QUOTE) {
        j = stringEnd(body, j);
        if (j === -1) return -1;
        continue;
      }
      if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
      else if ((d === CLOSE_OBJECT || d === CLOSE_ARRAY) && --depth === 0) return j + 1;
      j++;
    }
    return -1;
  }
  let j = i;
  while (j < body.length) {
    const d = body[j];
    if (d === COMMA || d === CLOSE_OBJECT || d === CLOSE_ARRAY || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
    j++;
  }
  return j > i ? j : -1;
}

/** Whether the key bytes [start, end) spell `name` (keys with escapes are decoded first). */
export function keyIs(body: Buffer, start: number, end: number, name: string): boolean {
  if (hasBackslash(body, start, end)) return decodeString(body, start - 1) === name;
  if (end - start !== name.length) return false;
  for (let k = 0; k < name.length; k++) if (body[start + k] !== name.charCodeAt(k)) return false;
  return true;
}

export function decodeString(body: Buffer, at: number): string | undefined {
  const end = stringEnd(body, at);
  if (end === -1) return undefined;
  if (!hasBackslash(body, at + 1, end - 1)) return body.toString('utf8', at + 1, end - 1);
  try {
    return JSON.parse(body.toString('utf8', at, end)) as string;
  } catch {
    return undefined;
  }
}

function hasBackslash(body: Buffer, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (body[k] === BACKSLASH) return true;
  return false;
}

export function decodeId(body: Buffer, at: number): string | number | null | undefined {
  if (body[at] === QUOTE) return decodeString(body, at);
  const end = valueEnd(body, at);
  if (end === -1) return undefined;
  // The usual id, a small counter, is read from its digits; anything else is Number()'s to judge.
  if (end - at <= 9 && body[at] !== 0x30) {
    let n = 0;
    let i = at;
    for (; i < end; i++) {
      const d = (body[i] as number) - 0x30;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (i === end) return n;
  }
  const text = body.toString('latin1', at, end);
  if (text === 'null') return null;
  const n = Number(text);
  return text !== '' && Number.isFinite(n) ? n : undefined;
}

/**
 * Visits each member of the object at `at` (for the policy, which reads
 * whole messages the way JSON.parse does): visit returns the end of the
 * member's value (-1 when malformed). Returns the index after the closing
 * brace, or -1 when malformed.
 */
export function members(body: Buffer, at: number, visit: (keyStart: number, keyEnd: number, valueStart: number) => number): number {
  let i = skipSpace(body, at + 1);
  if (body[i] === CLOSE_OBJECT) return i + 1;
  for (;;) {
    if (body[i] !== QUOTE) return -1;
    const keyEnd = stringEnd(body, i);
    if (keyEnd === -1) return -1;
    const colon = skipSpace(body, keyEnd);
    if (body[colon] !== COLON) return -1;
    const valueStart = skipSpace(body, colon + 1);
    const end = visit(i + 1, keyEnd - 1, valueStart);
    if (end === -1) return -1;
    i = skipSpace(body, end);
    if (body[i] === CLOSE_OBJECT) return i + 1;
    if (body[i] !== COMMA) return -1;
    i = skipSpace(body, i + 1);
  }
}
