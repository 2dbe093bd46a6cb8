// Redaction by value: every secret is registered the moment it is read, and
// every log line, error and status output passes through redact() before it
// is written. Values are matched raw and in their JSON-escaped form.

export const REDACTED = '[REDACTED]';

export class Redactor {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  add(value: string): void {
    if (!value || this.values.has(value)) return;
    this.values.add(value);
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) this.values.add(escaped);
    // Longest first so a secret that contains another is replaced whole.
    const alternatives = [...this.values].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.pattern = new RegExp(alternatives.join('|'), 'g');
  }

  get size(): number {
    return this.values.size;
  }

  redact(text: string): string {
    return this.pattern ? text.replace(this.pattern, REDACTED) : text;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
