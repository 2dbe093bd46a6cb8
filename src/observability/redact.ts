// Redaction by value: every secret is registered the moment it is read, and
// every log line, error and status output passes through redact() before it
// is written. Values are matched raw and in their JSON-escaped form.

export const REDACTED = '[REDACTED]';

/**
 * Values shorter than this are not redacted: a 1-3 character "secret" would
 * blank out every occurrence of those letters in all output, hiding the
 * messages that explain what is wrong. Such a value protects nothing anyway.
 */
export const MIN_REDACTED_LENGTH = 4;

export class Redactor {
  private readonly values = new Set<string>();
  /** The same values as an array, for the per-line check. */
  private list: string[] = [];
  private pattern: RegExp | undefined;

  add(value: string): void {
    if (value.length < MIN_REDACTED_LENGTH || this.values.has(value)) return;
    this.values.add(value);
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) this.values.add(escaped);
    // Longest first so a secret that contains another is replaced whole.
    this.list = [...this.values];
    const alternatives = [...this.values].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = new RegExp(alternatives.join('|'), 'g');
  }

  get size(): number {
    return this.values.size;
  }

  redact(text: string): string {
    if (!this.pattern) return text;
    // Every log line passes here and nearly none holds a secret: a native substring search per value
    // is several times cheaper than running the alternation over the whole line.
    for (let i = 0; i < this.list.length; i++) if (text.includes(this.list[i] as string)) return text.replace(this.pattern, REDACTED);
    return text;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
