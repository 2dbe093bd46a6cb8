// Redaction over a stream (src/proxy/redact-stream.ts): however the bytes are
// chunked, the output is what redacting the whole text at once gives, which is
// what a longest-first alternation (the log Redactor's rule) gives; every
// spelling of a credential an upstream may echo is found.
import fc from 'fast-check';
import { REDACTED } from '../../src/observability/redact.js';
import { StreamRedactor, needlesFor, redactAll } from '../../src/proxy/redact-stream.js';

/** The reference: one regular expression, longest alternative first. */
function reference(text: string, needles: string[]): string {
  if (needles.length === 0) return text;
  const sorted = [...needles].sort((a, b) => b.length - a.length).map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return text.replace(new RegExp(sorted.join('|'), 'g'), REDACTED);
}

/** Small alphabets so needles overlap, nest and repeat. */
const needle = fc.string({ unit: fc.constantFrom('a', 'b', 'c'), minLength: 4, maxLength: 9 });
const input = fc
  .uniqueArray(needle, { minLength: 1, maxLength: 4 })
  .chain((needles) =>
    fc.record({
      needles: fc.constant(needles.sort((a, b) => b.length - a.length)),
      text: fc.array(fc.oneof(fc.constantFrom(...needles), fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'x', '\u00e9'), maxLength: 6 })), { maxLength: 20 }).map((parts) => parts.join('')),
      cuts: fc.array(fc.nat(), { maxLength: 8 }),
    }),
  );

test('any chunking gives the same output as redacting the whole text, which matches a longest-first regex', () => {
  fc.assert(
    fc.property(input, ({ needles, text, cuts }) => {
      const whole = redactAll(text, needles);
      expect(whole).toBe(reference(text, needles));
      const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
      const stream = new StreamRedactor(needles);
      let out = '';
      let from = 0;
      for (const at of [...points, text.length]) {
        out += stream.push(text.slice(from, at));
        from = at;
      }
      out += stream.end();
      expect(out).toBe(whole);
    }),
    { numRuns: 2000 },
  );
});

test('a token is found raw, JSON-escaped, with escaped slashes and percent-encoded; a Bearer value’s token alone too', () => {
  const token = 'tok/en+"quoted"\\x';
  const needles = needlesFor([`Bearer ${token}`, 'abc']);
  const echoes = [token, JSON.stringify(token).slice(1, -1), JSON.stringify(token).slice(1, -1).replaceAll('/', '\\/'), encodeURIComponent(token), `Bearer ${token}`];
  for (const echo of echoes) expect(redactAll(`<${echo}>`, needles)).toBe(`<${REDACTED}>`);
  // Shorter than four characters: not a secret worth blanking every occurrence of.
  expect(redactAll('abc', needles)).toBe('abc');
});

test('a value with non-ASCII characters is matched in its UTF-8 bytes (the stream is latin1 text, one char per byte)', () => {
  const needles = needlesFor(['pässwörd-1']);
  const bytes = Buffer.from('x pässwörd-1 y', 'utf8').toString('latin1');
  expect(Buffer.from(redactAll(bytes, needles), 'latin1').toString('utf8')).toBe(`x ${REDACTED} y`);
});
