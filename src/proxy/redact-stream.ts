// Redaction of credential values in bytes that flow through the proxy (an
// upstream's error answer), by value, in the spellings an upstream may echo
// them in, over a stream whose chunks may split a value anywhere. Text here is
// latin1: one char per byte, so the bytes around a match pass unchanged.
import { MIN_REDACTED_LENGTH, REDACTED } from '../observability/redact.js';

/** `Scheme token` (an Authorization value): the token alone is a secret too. */
const SCHEME_AND_TOKEN = /^[A-Za-z][A-Za-z0-9._-]* +(\S.*)$/;

/**
 * What to look for, longest first: each value and (for `Bearer x`) its token,
 * raw, JSON-escaped, JSON-escaped with `\/` (PHP's default), and
 * percent-encoded, each as the latin1 text of its UTF-8 bytes. Values shorter
 * than MIN_REDACTED_LENGTH are left alone, as everywhere else.
 */
export function needlesFor(values: Iterable<string>): string[] {
  const forms = new Set<string>();
  const add = (value: string) => {
    if (value.length < MIN_REDACTED_LENGTH) return;
    const json = JSON.stringify(value).slice(1, -1);
    for (const form of [value, json, json.replaceAll('/', '\\/'), encodeURIComponent(value)]) forms.add(Buffer.from(form, 'utf8').toString('latin1'));
  };
  for (const value of values) {
    add(value);
    const token = SCHEME_AND_TOKEN.exec(value)?.[1];
    if (token !== undefined) add(token);
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/** `text` with every needle replaced: the leftmost match first, the longest of those starting there. */
export function redactAll(text: string, needles: readonly string[]): string {
  if (needles.length === 0) return text;
  return replaceBefore(text, needles, text.length).out;
}

/**
 * The same over a stream: push() returns what can go out now, holding back
 * the last (longest needle - 1) chars, where a value split by the chunking
 * could begin; end() returns the rest.
 */
export class StreamRedactor {
  private carry = '';
  private readonly hold: number;

  constructor(private readonly needles: readonly string[]) {
    this.hold = needles.length === 0 ? 0 : (needles[0] as string).length - 1;
  }

  push(chunk: string): string {
    const text = this.carry + chunk;
    const { out, next } = replaceBefore(text, this.needles, text.length - this.hold);
    this.carry = text.slice(next);
    return out;
  }

  end(): string {
    const rest = redactAll(this.carry, this.needles);
    this.carry = '';
    return rest;
  }
}

/**
 * Replaces every match that starts before `safe` (each of those is whole in
 * `text`); returns the text up to the later of `safe` and the last match's
 * end, and where that is.
 */
function replaceBefore(text: string, needles: readonly string[], safe: number): { out: string; next: number } {
  // The next occurrence of each needle at or after pos, found again only once pos passes it.
  const at = needles.map((needle) => text.indexOf(needle));
  let out = '';
  let pos = 0;
  for (;;) {
    let best = -1;
    let length = 0;
    for (let k = 0; k < needles.length; k++) {
      const needle = needles[k] as string;
      if ((at[k] as number) !== -1 && (at[k] as number) < pos) at[k] = text.indexOf(needle, pos);
      const i = at[k] as number;
      if (i !== -1 && (best === -1 || i < best || (i === best && needle.length > length))) {
        best = i;
        length = needle.length;
      }
    }
    if (best === -1 || best >= safe) break;
    out += text.slice(pos, best) + REDACTED;
    pos = best + length;
  }
  const next = Math.max(pos, safe);
  return { out: out + text.slice(pos, next), next };
}
