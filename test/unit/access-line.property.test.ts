// The hand-built access line is valid JSON with exactly the fields given
// (absent ones left out), whatever strings an agent puts in them; and the
// cached timestamp is always what toISOString would say.
import fc from 'fast-check';
import { accessLine, isoNow, type AccessFields } from '../../src/observability/access-line.js';

const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('a"b', 'back\\slash', '\u0000\u001f', '\u2028\u2029', '</script>'));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const count = fc.nat({ max: 2 ** 40 });
const millis = fc.double({ min: 0, max: 1e7, noNaN: true }).map((n) => Math.round(n * 1000) / 1000);

const fields: fc.Arbitrary<AccessFields> = fc.record({
  requestId: text,
  server: maybe(text),
  method: text,
  path: text,
  rpcMethod: maybe(text),
  tool: maybe(text),
  resource: maybe(text),
  prompt: maybe(text),
  status: fc.integer({ min: 100, max: 599 }),
  upstreamStatus: maybe(fc.integer({ min: 100, max: 599 })),
  ttfbMs: maybe(millis),
  durationMs: millis,
  bytesIn: count,
  bytesOut: count,
  failure: maybe(text),
  upstreamRequestId: maybe(text),
});

test('parses back to the level, message, timestamp and exactly the fields that were set', () => {
  fc.assert(
    fc.property(fields, (f) => {
      const parsed = JSON.parse(accessLine('2026-11-23T20:09:10.672Z', f)) as Record<string, unknown>;
      const present = Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined));
      expect(parsed).toEqual({ level: 'info', message: 'request', timestamp: '2026-11-23T20:09:10.672Z', ...present });
    }),
    { numRuns: 300 },
  );
});

test('isoNow matches toISOString at any millisecond, across second boundaries in any order', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 4102444800000 }), { minLength: 1, maxLength: 20 }), (times) => {
      for (const t of [...times, ...times.map((x) => x + 999), ...times.map((x) => x + 1000)]) expect(isoNow(t)).toBe(new Date(t).toISOString());
    }),
  );
});
