// However the upstream's bytes are cut into chunks (inside a line, a CRLF, a
// multi-byte character, the blank line that ends an event), the outcome tap
// reads the same outcome as from the whole answer in one piece.
import fc from 'fast-check';
import { createOutcomeTap, createOutcomesTap, type ToolOutcome } from '../../src/observability/tool-outcome.js';

const RUNS = 300;

/** Cuts `bytes` at the given fractions of its length. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((f) => Math.floor(f * bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

function read(contentType: string, rpcId: number | string, chunks: Buffer[]): ToolOutcome {
  const tap = createOutcomeTap({ contentType, rpcId });
  for (const chunk of chunks) tap.push(chunk);
  return tap.finish();
}

const text = fc.string({ unit: fc.constantFrom('a', 'é', '日', '🎉', '"', '\\', '\n', ':', ' ') });
const id = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom('a', 'b'));
const newline = fc.constantFrom('\n', '\r\n', '\r');

/** A JSON-RPC message an upstream may put on a tools/call stream. */
const message = fc.oneof(
  fc.record({ jsonrpc: fc.constant('2.0'), method: fc.constant('notifications/progress'), params: fc.record({ message: text }) }),
  fc.record({ jsonrpc: fc.constant('2.0'), id, method: fc.constant('elicitation/create'), params: fc.record({ message: text }) }),
  fc.record({ jsonrpc: fc.constant('2.0'), id, result: fc.record({ content: fc.array(fc.record({ type: fc.constant('text'), text })), isError: fc.boolean() }, { requiredKeys: ['content'] }) }),
  fc.record({ jsonrpc: fc.constant('2.0'), id, error: fc.record({ code: fc.integer({ min: -32768, max: 0 }), message: text }) }),
);

/** One SSE event: optional id/event fields and comments, data split over several lines at arbitrary points. */
const sseEvent = fc
  .tuple(message, newline, fc.boolean(), fc.boolean(), fc.array(fc.nat(), { maxLength: 3 }))
  .map(([m, nl, withId, withComment, cutsAt]) => {
    const json = JSON.stringify(m);
    // Data lines joined with "\n" form the data again: JSON allows a newline wherever a space may go,
    // so cut only after commas (between members, never inside a string's escapes).
    const commas = [...json.matchAll(/,"/g)].map((match) => match.index as number);
    const cuts = [...new Set(cutsAt.filter(() => commas.length > 0).map((n) => (commas[n % commas.length] as number) + 1))].sort((a, b) => a - b);
    const parts: string[] = [];
    let from = 0;
    for (const cut of cuts) {
      parts.push(json.slice(from, cut));
      from = cut;
    }
    parts.push(json.slice(from));
    const fields = [withComment ? ': keepalive' : undefined, withId ? 'id: 42' : undefined, 'event: message', ...parts.map((p) => `data: ${p}`)];
    return { message: m, text: `${fields.filter((f) => f !== undefined).join(nl)}${nl}${nl}` };
  });

/** What the whole answer means, computed without the tap. */
function expected(messages: Array<Record<string, unknown>>, rpcId: number | string): ToolOutcome {
  const response = messages.find((m) => !('method' in m) && m.id === rpcId);
  if (!response) return { outcome: 'no-answer' };
  const error = response.error as { code: number; message: string } | undefined;
  if (error) return { outcome: 'rpc-error', rpcError: { code: error.code, message: error.message.length > 200 ? `${error.message.slice(0, 199)}…` : error.message } };
  return { outcome: (response.result as { isError?: boolean }).isError === true ? 'tool-error' : 'ok' };
}

test('SSE: any chunking gives the outcome of the whole stream', () => {
  fc.assert(
    fc.property(fc.array(sseEvent, { maxLength: 6 }), id, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), (events, rpcId, cuts) => {
      const bytes = Buffer.from(events.map((e) => e.text).join(''), 'utf8');
      const want = expected(events.map((e) => e.message as Record<string, unknown>), rpcId);
      expect(read('text/event-stream', rpcId, [bytes])).toEqual(want);
      expect(read('text/event-stream', rpcId, split(bytes, cuts))).toEqual(want);
      // Byte by byte, the worst case for every boundary at once.
      if (bytes.length < 400) expect(read('text/event-stream', rpcId, [...bytes].map((b) => Buffer.from([b])))).toEqual(want);
    }),
    { numRuns: RUNS },
  );
});

test('JSON: any chunking of a single response or a batch gives the same outcome', () => {
  fc.assert(
    fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), fc.boolean(), id, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), (messages, asBatch, rpcId, cuts) => {
      const body = asBatch ? messages : [messages[0] as Record<string, unknown>];
      const bytes = Buffer.from(JSON.stringify(asBatch ? body : body[0]), 'utf8');
      const want = expected(body as Array<Record<string, unknown>>, rpcId);
      expect(read('application/json', rpcId, split(bytes, cuts))).toEqual(want);
    }),
    { numRuns: RUNS },
  );
});

test('one tap for a whole batch: any chunking gives every id the outcome a tap of its own would', () => {
  fc.assert(
    fc.property(fc.array(message, { minLength: 1, maxLength: 8 }), fc.boolean(), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }), (messages, sse, cuts) => {
      const bytes = Buffer.from(sse ? messages.map((m) => `data: ${JSON.stringify(m)}\n\n`).join('') : JSON.stringify(messages), 'utf8');
      const contentType = sse ? 'text/event-stream' : 'application/json';
      const ids = [0, 1, 2, 3, 4, 5, 'a', 'b'];
      for (const rpcIds of [ids, undefined]) {
        const tap = createOutcomesTap({ contentType, ...(rpcIds ? { rpcIds } : {}) });
        for (const chunk of split(bytes, cuts)) tap.push(chunk);
        const outcomeOf = tap.finish();
        for (const id of ids) expect(outcomeOf(id)).toEqual(expected(messages as Array<Record<string, unknown>>, id));
      }
    }),
    { numRuns: RUNS },
  );
});
