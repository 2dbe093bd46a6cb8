// The list filter removes exactly the denied elements (each with one
// separator) from the one response it is for, and keeps every other byte of
// the answer: white space, member order, other responses (even ones with a
// list of their own), notifications; over JSON texts and over event streams
// cut into chunks anywhere.
import fc from 'fast-check';
import { filterJson, LIST_METHODS, type ListFilter } from '../../src/proxy/list-filter.js';
import { EventSplitter, filterEvent } from '../../src/proxy/sse-events.js';

const ws = fc.constantFrom('', ' ', '\n', '\n  ', '\t', '\r\n    ');
const extra = fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== 'name'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });

/** One list answer, built from its parts, and the text the filter must make of it. */
const answer = fc
  .record({
    names: fc.uniqueArray(fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'b', '_', '.', 'é', '"', '\\', '/', '\u2028') }), { maxLength: 8 }),
    drops: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    extras: fc.array(extra, { minLength: 8, maxLength: 8 }),
    spaces: fc.array(ws, { minLength: 40, maxLength: 40 }),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 5 })),
    idFirst: fc.boolean(),
    cursor: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
  })
  .map(({ names, drops, extras, spaces, id, idFirst, cursor }) => {
    let s = 0;
    const w = () => spaces[s++ % spaces.length] as string;
    const elements = names.map((name, k) => ({ name, drop: drops[k] as boolean, text: JSON.stringify({ ...(extras[k] as object), name }) }));
    const seps = elements.map(() => `${w()},${w()}`);
    const lead = w();
    const trail = w();
    const array = (keep: (k: number) => boolean) => {
      const kept = elements.map((_, k) => k).filter(keep);
      return `[${lead}${kept.map((k, j) => (elements[k] as { text: string }).text + (j < kept.length - 1 ? seps[k] : '')).join('')}${trail}]`;
    };
    const wrap = (list: string) => {
      const idPart = `"id"${w()}:${w()}${JSON.stringify(id)}`;
      const result = `"result"${w()}:${w()}{${w()}"tools"${w()}:${w()}${list}${cursor === undefined ? '' : `,"nextCursor":${JSON.stringify(cursor)}`}${w()}}`;
      return `{${w()}"jsonrpc":"2.0",${w()}${idFirst ? `${idPart},${w()}${result}` : `${result},${w()}${idPart}`}${w()}}`;
    };
    s = 0;
    const input = wrap(array(() => true));
    s = 0;
    const expected = wrap(array((k) => !(elements[k] as { drop: boolean }).drop));
    const dropped = new Set(elements.filter((e) => e.drop).map((e) => e.name));
    const filter: ListFilter = { lists: new Map([[id, LIST_METHODS['tools/list']!]]), keep: (name) => !dropped.has(name) };
    return { input, expected, filter, id };
  });

test('one JSON answer: only the denied elements and their separators go', () => {
  fc.assert(
    fc.property(answer, ({ input, expected, filter }) => {
      const out = filterJson(Buffer.from(input), filter).body.toString();
      expect(out).toBe(expected);
      expect(() => JSON.parse(out)).not.toThrow();
    }),
    { numRuns: 400 },
  );
});

test('in a batch answer, other responses (with lists of their own) pass untouched', () => {
  fc.assert(
    fc.property(answer, ({ input, expected, filter, id }) => {
      const other = `{"jsonrpc":"2.0","id":${JSON.stringify(typeof id === 'number' ? `${id}` : `${id}x`)},"result":{"tools":[{"name":"x"},{"name":"y"}]}}`;
      const note = '{"jsonrpc":"2.0","method":"notifications/message","params":{"tools":[{"name":"z"}]}}';
      const out = filterJson(Buffer.from(`[${other},${input}, ${note}]`), { ...filter, keep: (name) => filter.keep(name) && !['x', 'y', 'z'].includes(name) }).body.toString();
      expect(out).toBe(`[${other},${expected}, ${note}]`);
    }),
    { numRuns: 200 },
  );
});

test('over an event stream cut anywhere: other events byte for byte, the answer event filtered', () => {
  const eol = fc.constantFrom('\n', '\r\n', '\r');
  fc.assert(
    fc.property(answer, eol, fc.array(fc.nat(), { maxLength: 6 }), ({ input, expected, filter }, end, cuts) => {
      const oneLine = (json: string) => JSON.stringify(JSON.parse(json));
      const before = `: comment${end}event: message${end}data: {"jsonrpc":"2.0","method":"notifications/progress","params":{"tools":[{"name":"q"}]}}${end}${end}`;
      const after = `id: 9${end}data: {"jsonrpc":"2.0","id":"other","result":{"tools":[{"name":"q"}]}}${end}${end}`;
      const stream = Buffer.from(`${before}event: message${end}id: 7${end}data: ${oneLine(input)}${end}${end}${after}`);
      const want = `${before}event: message${end}id: 7${end}data: ${oneLine(expected)}${end}${end}${after}`;
      const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
      const splitter = new EventSplitter();
      let out = '';
      let at = 0;
      for (const point of [...points, stream.length]) {
        for (const event of splitter.push(stream.subarray(at, point))) out += filterEvent(event, { ...filter, keep: (n) => n === 'q' || filter.keep(n) }).event.toString();
        at = point;
      }
      out += splitter.rest().toString();
      expect(out).toBe(want);
    }),
    { numRuns: 300 },
  );
});
