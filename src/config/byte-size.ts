// Sizes as people write them in config: "10MB", "512KB", "1.5GB" or a number
// of bytes. Units are powers of 1024, as log rotators (logrotate, rotating
// file streams) read them; "MiB" and friends are accepted as the same.

const UNIT_BYTES: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(?:([kmg])(?:i?b)?|(b))?$/i;

/** Whole bytes for a size string or number, or undefined when it is not a positive size. */
export function parseByteSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  const match = SIZE.exec(value.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? match[3] ?? 'b').toLowerCase();
  const bytes = Math.floor(Number(match[1]) * (UNIT_BYTES[unit] as number));
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}

/** Bytes as a size people write: 4194304 → "4MB"; sizes that are not whole units stay bytes. */
export function formatByteSize(bytes: number): string {
  for (const [unit, size] of [['GB', 1024 ** 3], ['MB', 1024 ** 2], ['KB', 1024]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}
