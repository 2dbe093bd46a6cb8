// Field types more than one config schema uses (schema.ts, command-schema.ts):
// durations, and values quoted safely for error messages.
import { z } from 'zod';
import { parseDuration } from './duration.js';

/**
 * A value as it may appear in an error message: JSON-quoted, with control and
 * invisible characters escaped, so a config value cannot drive the terminal
 * or hide what it is.
 */
export function quoteValue(value: unknown, max = 80): string {
  const quoted = JSON.stringify(String(value)).replace(/[\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return quoted.length > max ? `${quoted.slice(0, max - 2)}…"` : quoted;
}

/** A duration as `"20s"`, `"1m30s"`, `"500ms"` or a number of milliseconds; parsed to ms. */
export const duration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    // JSON-quoted, so control characters in the value cannot reach the terminal raw.
    ctx.issues.push({ code: 'custom', input: value, message: `${quoteValue(value)} is not a duration up to 24 days; write e.g. "20s", "500ms" or "1m30s"` });
    return z.NEVER;
  }
  return ms;
});
