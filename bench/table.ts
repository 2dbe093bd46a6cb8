// Markdown tables for the bench output (readable in a terminal, pasteable into
// markdown) and the number formats the tables use.

/** A markdown table; the first column is left-aligned, the others right-aligned, every column padded to its width. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

const missing = (n: number | undefined): n is undefined => n === undefined || Number.isNaN(n);

/** `n` with `digits` decimals and a unit, or `-`. */
export const num = (n: number | undefined, digits = 0, unit = ''): string => (missing(n) ? '-' : `${n.toFixed(digits)}${unit}`);
export const ms = (n: number | undefined, digits = 3): string => num(n, digits, ' ms');
export const us = (n: number | undefined): string => num(n, 0, ' µs');
export const mb = (n: number | undefined): string => num(n, 1, ' MB');
export const pct = (ratio: number | undefined): string => num(missing(ratio) ? undefined : ratio * 100, 1, '%');
/** A signed difference, e.g. `+0.120 ms`. */
export const delta = (n: number | undefined, digits = 3, unit = ' ms'): string => (missing(n) ? '-' : `${n >= 0 ? '+' : ''}${n.toFixed(digits)}${unit}`);
