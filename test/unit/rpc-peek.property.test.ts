// The JSON-RPC envelope reader agrees with JSON.parse: for any message or
// batch (keys in any order, any whitespace, escapes, non-ASCII, nested
// params of any shape, huge arguments) it finds the same method, id,
// params.name and params.uri; for anything that is not JSON-RPC it never
// throws.
import fc from 'fast-check';
import { batchMessages, isBatch, peekRpc, type RpcEnvelope } from '../../src/observability/rpc-peek.js';

const RUNS = 300;

/** Strings that stress the byte walk: quotes, backslashes, braces, unicode, escapes. */
const tricky = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('tools/call', 'a"b', 'back\\slash', '{[}]', 'é ü 日本 🎉', '\u2028', '\\"', '"', '\\', 'method', 'params'),
);
const id = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), tricky, fc.constant(null));
const anyJson = fc.jsonValue({ maxDepth: 3 });

const message = fc
  .record(
    {
      jsonrpc: fc.constant('2.0'),
      id,
      method: fc.oneof(tricky, fc.constantFrom('tools/call', 'resources/read', 'prompts/get', 'initialize')),
      params: fc.oneof(
        fc.record({ name: tricky, uri: tricky, arguments: anyJson, _meta: anyJson }, { requiredKeys: [] }),
        anyJson,
      ),
      extra: anyJson,
    },
    { requiredKeys: [] },
  )
  .chain((m) => fc.shuffledSubarray(Object.keys(m), { minLength: Object.keys(m).length }).map((keys) => Object.fromEntries(keys.map((k) => [k, (m as Record<string, unknown>)[k]]))));

function expected(m: Record<string, unknown>): RpcEnvelope {
  const out: RpcEnvelope = {};
  if (typeof m.method === 'string') out.method = m.method;
  if (typeof m.id === 'string' || typeof m.id === 'number' || m.id === null) out.id = m.id as RpcEnvelope['id'];
  const p = m.params;
  if (typeof p === 'object' && p !== null && !Array.isArray(p)) {
    const params = p as Record<string, unknown>;
    if (typeof params.name === 'string') out.name = params.name;
    if (typeof params.uri === 'string') out.uri = params.uri;
  }
  return out;
}

/** Only what the early stop promises: the method and id always; name/uri for methods that carry them. */
function comparable(found: RpcEnvelope | undefined, want: RpcEnvelope): RpcEnvelope {
  const carries = want.method === 'tools/call' || want.method === 'prompts/get' || want.method?.startsWith('resources/');
  const pick = (e: RpcEnvelope | undefined) => ({ method: e?.method, id: e?.id, ...(carries ? { name: e?.name, uri: e?.uri } : {}) });
  return pick(found);
}

const spacing = fc.constantFrom(undefined, 0, 1, 2, '\t', ' \r\n');

test('finds what JSON.parse finds, in any key order and spacing', () => {
  fc.assert(
    fc.property(message, spacing, (m, space) => {
      const body = Buffer.from(JSON.stringify(m, null, space as string | number | undefined));
      const want = expected(JSON.parse(body.toString()) as Record<string, unknown>);
      expect(comparable(peekRpc(body), want)).toEqual(comparable(want, want));
    }),
    { numRuns: RUNS },
  );
});

test('batchMessages walks the same messages one at a time, each span holding exactly its message', () => {
  fc.assert(
    fc.property(fc.array(message, { maxLength: 5 }), spacing, (batch, space) => {
      const body = Buffer.from(JSON.stringify(batch, null, space as string | number | undefined));
      expect(isBatch(body)).toBe(true);
      const walked = [...batchMessages(body)];
      expect(walked.map((m) => comparable(m.envelope, m.envelope))).toEqual((peekRpc(body)?.batch ?? []).map((e) => comparable(e, e)));
      walked.forEach((m, i) => expect(JSON.parse(body.toString('utf8', m.start, m.end))).toEqual(JSON.parse(body.toString())[i]));
    }),
    { numRuns: RUNS },
  );
});

test('a batch gives each message its envelope', () => {
  fc.assert(
    fc.property(fc.array(message, { maxLength: 5 }), (batch) => {
      const body = Buffer.from(JSON.stringify(batch));
      const found = peekRpc(body);
      const parsed = JSON.parse(body.toString()) as Record<string, unknown>[];
      expect(found?.batch?.length).toBe(parsed.length);
      parsed.forEach((m, i) => expect(comparable(found?.batch?.[i], expected(m))).toEqual(comparable(expected(m), expected(m))));
    }),
    { numRuns: RUNS },
  );
});

test('never throws on arbitrary bytes or truncated JSON', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), message, fc.nat(), (bytes, m, cut) => {
      peekRpc(Buffer.from(bytes));
      const text = JSON.stringify(m);
      peekRpc(Buffer.from(text.slice(0, cut % (text.length + 1))));
    }),
    { numRuns: RUNS },
  );
});

test('a tools/call with a megabyte of arguments before its name is still named', () => {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', params: { arguments: { blob: 'x"\\'.repeat(350_000), list: Array.from({ length: 1000 }, (_, i) => [i, { i }]) }, name: 'write_file' }, method: 'tools/call', id: 7 }));
  expect(peekRpc(body)).toEqual({ method: 'tools/call', id: 7, name: 'write_file' });
});

test('escaped keys and values are decoded as JSON.parse would', () => {
  const body = Buffer.from('{"\\u006dethod":"tools\\/call","id":"a\\"b","params":{"n\\u0061me":"caf\\u00e9"}}');
  expect(peekRpc(body)).toEqual({ method: 'tools/call', id: 'a"b', name: 'café' });
});

test('not JSON-RPC: undefined, and an empty batch is a batch of none', () => {
  expect(peekRpc(Buffer.from(''))).toBeUndefined();
  expect(peekRpc(Buffer.from('"just a string"'))).toBeUndefined();
  expect(peekRpc(Buffer.from('42'))).toBeUndefined();
  expect(peekRpc(Buffer.from(' [ ] '))).toEqual({ batch: [] });
});
