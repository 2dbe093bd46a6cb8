// Go-style durations ("20s", "1m30s", "500ms") as used by the seed env
// contract (MCP_REQUEST_TIMEOUT=20s); a bare number means milliseconds.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

/** The longest duration a Node timer can wait (about 24.8 days); longer ones would fire at once. */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/** Milliseconds for a duration string or number, or undefined when it is not one (or longer than a timer can wait). */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 && value <= MAX_DURATION_MS ? value : undefined;
  const text = value.trim();
  let total: number;
  if (/^\d+$/.test(text)) total = Number(text);
  else {
    if (!WHOLE.test(text)) return undefined;
    total = 0;
    for (const match of text.matchAll(PART)) total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    total = Math.round(total);
  }
  return Number.isFinite(total) && total <= MAX_DURATION_MS ? total : undefined;
}

/** Milliseconds as a duration people write: 20000 → "20s", 90000 → "1m30s", 250 → "250ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(rest % 1000 === 0 ? `${rest / 1000}s` : `${rest}ms`);
  return parts.join('');
}
