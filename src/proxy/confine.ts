// Where a forwarded request may go: the server's base path plus the rest of
// the agent's path, and nothing that any upstream could read as outside it.
// The one place every forwarded path is computed and checked; the caller signs
// and sends exactly the URL this returns.
import { isUtf8 } from 'node:buffer';

/**
 * What may stand unescaped in a path: RFC 3986 `pchar` and `/` (1), and `%`
 * (2), which must start a valid escape. Everything else, the backslash
 * included, is refused: servers disagree on what it means.
 */
const PLAIN = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@") PLAIN[c.charCodeAt(0)] = 1;
PLAIN[0x25] = 2;

/** How many times a segment is decoded again, looking for what a double-decoding upstream would see. */
const MAX_DECODES = 4;

/**
 * The URL the upstream receives for `remainder` (the agent's path below
 * `/mcp` or `/{server}/mcp`: empty or starting with `/`) and `query`
 * (empty or starting with `?`), or why it may not be forwarded.
 */
export function confinedTarget(base: URL, remainder: string, query: string): URL | string {
  if (remainder === '' && query === '') return base;
  const problem = pathProblem(remainder);
  if (problem !== undefined) return problem;
  // The base's own trailing slash is kept only when nothing follows it: /mcp/ + /x is /mcp/x, not /mcp//x.
  const basePath = base.pathname.endsWith('/') && remainder !== '' ? base.pathname.slice(0, -1) : base.pathname;
  const path = basePath + remainder;
  const url = new URL(base.href);
  url.pathname = path;
  // The URL parser re-encodes and resolves some spellings: the path signed and sent must be the one checked.
  if (url.pathname !== path) return `it would reach the upstream as ${url.pathname}`;
  if (query !== '') url.search = base.search ? `${base.search}&${query.slice(1)}` : query;
  return url;
}

/**
 * Why `path` could leave the place it is appended to, or undefined when it
 * cannot. Refused: a character that must be escaped (a backslash among them),
 * a malformed escape, an empty segment (`//`), and any segment that, decoded
 * (again, for upstreams that decode twice) and Unicode-normalised, is made of
 * dots only (`.`, `..`, also before a `;` parameter) or holds a `/`, `\` or
 * control character. Escapes must decode to UTF-8 (overlong forms are not).
 */
export function pathProblem(path: string): string | undefined {
  if (path === '') return undefined;
  if (path.charCodeAt(0) !== 0x2f) return 'it does not start with "/"';
  let start = 1;
  let escaped = false;
  const end = path.length;
  for (let i = 1; i <= end; i++) {
    const c = i === end ? 0x2f : path.charCodeAt(i);
    if (c === 0x2f) {
      if (i === start) {
        if (i !== end) return 'it has an empty segment ("//")';
      } else {
        const problem = escaped ? escapedSegmentProblem(path.slice(start, i)) : dotsOnly(path, start, i) ? 'it has a "." or ".." segment' : undefined;
        if (problem !== undefined) return problem;
      }
      start = i + 1;
      escaped = false;
      continue;
    }
    const kind = c < 128 ? PLAIN[c] : 0;
    if (kind === 1) continue;
    if (kind === 2) {
      if (!isHex(path.charCodeAt(i + 1)) || !isHex(path.charCodeAt(i + 2))) return 'it has a malformed percent-escape';
      escaped = true;
      i += 2;
      continue;
    }
    return c === 0x5c ? 'it has a backslash' : `it has ${JSON.stringify(String.fromCharCode(c))} unescaped`;
  }
  return undefined;
}

/** A segment with escapes: what it decodes to, at every level a lenient upstream might decode it to. */
function escapedSegmentProblem(segment: string): string | undefined {
  let bytes = decode(segment);
  for (let level = 0; level < MAX_DECODES; level++) {
    const problem = bytesProblem(bytes);
    if (problem !== undefined) return level === 0 ? problem : `${level === 1 ? 'decoded twice' : `decoded ${level + 1} times`}, ${problem}`;
    if (!bytes.includes(0x25)) return undefined;
    const again = decodeLenient(bytes);
    if (again === undefined) return undefined;
    bytes = again;
  }
  return 'it is encoded more than four times over';
}

/** One decoded segment's bytes (a decoder saw no `/` in it, so any here was escaped). */
function bytesProblem(bytes: Buffer): string | undefined {
  let ascii = true;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x2f || b === 0x5c) return 'it has an encoded "/" or "\\"';
    if (b < 0x20 || b === 0x7f) return 'it has an encoded control character';
    if (b >= 0x80) ascii = false;
  }
  if (ascii) return dotsOnly(bytes.toString('latin1'), 0, bytes.length) ? 'it has an encoded "." or ".." segment' : undefined;
  if (!isUtf8(bytes)) return 'its escapes do not decode to UTF-8';
  const text = bytes.toString('utf8');
  // Fullwidth dots and solidi (U+FF0E, U+FF0F, U+2025...) become ASCII for upstreams that normalise Unicode.
  const folded = text.normalize('NFKC');
  if (folded === text) return dotsOnly(text, 0, text.length) ? 'it has an encoded "." or ".." segment' : undefined;
  const problem = bytesProblem(Buffer.from(folded, 'utf8'));
  return problem === undefined ? undefined : `Unicode-normalised, ${problem}`;
}

/**
 * Whether text[start, end), up to a `;` parameter (`..;x` climbs in Tomcat),
 * is dots and spaces with at least one dot (Windows servers drop trailing
 * dots and spaces).
 */
function dotsOnly(text: string, start: number, end: number): boolean {
  let dot = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3b) break;
    if (c === 0x2e) dot = true;
    else if (c !== 0x20) return false;
  }
  return dot;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

function hexValue(c: number): number {
  return c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
}

/** A checked segment (every `%` starts a valid escape) to its bytes. */
function decode(segment: string): Buffer {
  const bytes = Buffer.allocUnsafe(segment.length);
  let n = 0;
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    if (c === 0x25) {
      bytes[n++] = (hexValue(segment.charCodeAt(i + 1)) << 4) | hexValue(segment.charCodeAt(i + 2));
      i += 2;
    } else bytes[n++] = c;
  }
  return bytes.subarray(0, n);
}

/** Bytes with their valid `%XX` escapes decoded (others kept), or undefined when there were none. */
function decodeLenient(bytes: Buffer): Buffer | undefined {
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  let changed = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b === 0x25 && isHex(bytes[i + 1] ?? 0) && isHex(bytes[i + 2] ?? 0)) {
      out[n++] = (hexValue(bytes[i + 1] as number) << 4) | hexValue(bytes[i + 2] as number);
      i += 2;
      changed = true;
    } else out[n++] = b;
  }
  return changed ? out.subarray(0, n) : undefined;
}
