// How upstreams of several kinds read a request path, written apart from the
// proxy's code (so a shared mistake cannot pass unnoticed), and a generator of
// hostile path spellings: for tests that a forwarded path never leaves the
// server's base, whatever the upstream makes of it.
import fc from 'fast-check';

/** Pieces a hostile path is built from: dots, separators and escapes in every spelling. */
const TRICKY = [
  '.', '..', '...', '.. ', '..;', '.;x', '%2e', '%2E', '.%2e', '%2e.', '%2e%2e', '%2E%2e', '%252e', '%252E%252e', '%25252e', '%2525252e%2525252e',
  '/', '//', '\\', '%2f', '%2F', '%5c', '%5C', '%252f', '%255c', '%25252f',
  '%c0%ae', '%C0%AE', '%c0%af', '%e0%80%ae', '%c1%9c', '%ef%bc%8e', '%EF%BC%8F', '%ef%bc%bc', '%e2%80%a5', '%e2%80%a4', '%ef%b9%92',
  '%00', '%0a', '%7f', '%', '%2', '%zz', '%%32%65', '%252', '%25', '%FF',
];
/** Ordinary text and the sub-delims RFC 3986 allows in a segment. */
const ORDINARY = [';', ';x=1', ':', '@', '~', '+', '=', '&', "'", '!', '$', '(', ')', '*', ',', 'a', 'admin', 'mcp', 'x', '%41', '%20', '%C3%A9', '%e2%80%a6'];
/** Characters a client should have escaped (Node refuses some on the wire itself). */
const UNESCAPED = ['é', ' ', '"', '<', '>', '`', '{', '}', '|', '^', '\t', '\\\\'];
export const HOSTILE_PIECES = [...TRICKY, ...ORDINARY, ...UNESCAPED];

/** A path remainder below an MCP route: `/` followed by random pieces, each maybe in random letter case. */
export const hostileRemainder: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...TRICKY) }, { weight: 6, arbitrary: fc.constantFrom(...ORDINARY) }, { weight: 1, arbitrary: fc.constantFrom(...UNESCAPED) }),
      fc.boolean(),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((pieces) => `/${pieces.map(([piece, upper]) => (upper ? piece.toUpperCase() : piece)).join('')}`);

/** Segments no upstream reads as special: letters, digits, unreserved and sub-delims, escapes of ordinary text. */
export const plainRemainder: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9_~-]{1,8}$/),
      fc.constantFrom('sse', 'messages', 'a%20b', 'caf%C3%A9', 'x;y=1', 'v1.2', '.well-known', 'a+b', "it's", 'k=v&w', '@me', '%41%42'),
    ),
    { minLength: 1, maxLength: 5 },
  )
  .chain((segments) => fc.boolean().map((slash) => `/${segments.join('/')}${slash ? '/' : ''}`));

/** Bytes with every valid %XX decoded, others kept (Go's URL.Path, and a second or third decode by a lenient server). */
export function percentDecode(bytes: Buffer): Buffer {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const hex = bytes.subarray(i + 1, i + 3).toString('latin1');
    if (bytes[i] === 0x25 && /^[0-9a-fA-F]{2}$/.test(hex)) {
      out.push(Number.parseInt(hex, 16));
      i += 2;
    } else out.push(bytes[i] as number);
  }
  return Buffer.from(out);
}

/**
 * The path an aggressive normaliser serves: `\` as `/`, empty segments
 * merged, `;` parameters dropped, trailing dots and spaces trimmed (Windows),
 * then `.` and `..` resolved. Never above the root.
 */
export function resolveAggressively(path: string): string {
  const out: string[] = [];
  for (const raw of path.replaceAll('\\', '/').split('/')) {
    const segment = raw.split(';', 1)[0] as string;
    const dots = /^[. ]+$/.test(segment) ? segment.replaceAll(' ', '').length : 0;
    if (segment === '' || dots === 1) continue;
    if (dots >= 2) out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`;
}

/**
 * What upstreams of several kinds may take `sentPath` for: as sent, decoded
 * once (Go, most servers), twice and three times (lenient servers), and each
 * of those Unicode-normalised (NFKC), each then resolved aggressively; and
 * what a WHATWG URL parser makes of it.
 */
export function upstreamReadings(sentPath: string): string[] {
  // A WHATWG parser reads a leading // as another host: that reading is nowhere below any base.
  const parsed = new URL(sentPath, 'http://upstream.example');
  const readings = [parsed.host === 'upstream.example' ? parsed.pathname : `another host: ${parsed.host}`];
  let bytes: Buffer = Buffer.from(sentPath, 'latin1');
  for (let decodes = 0; decodes <= 3; decodes++) {
    const text = bytes.toString('utf8');
    readings.push(resolveAggressively(text), resolveAggressively(text.normalize('NFKC')));
    bytes = percentDecode(bytes);
  }
  return readings;
}

/** Whether `path` is `base` or below it (`base` without a trailing slash). */
export function isWithin(path: string, base: string): boolean {
  return path === base || path.startsWith(`${base}/`);
}
