// The path an upstream written in Go sees as `URL.Path`: the raw request path
// with every %XX escape decoded to its byte (including %2F), `+` left alone.
// The gateway signs over these bytes, so we must decode exactly the same way.

const HEX = /^[0-9a-fA-F]{2}$/;

/** Decoded path bytes, or undefined when an escape is malformed (Go rejects those too). */
export function goPathBytes(rawPath: string): Buffer | undefined {
  if (!rawPath.includes('%')) return Buffer.from(rawPath, 'utf8');
  const bytes: number[] = [];
  let literalStart = 0;
  const flushLiteral = (end: number) => {
    if (end > literalStart) for (const b of Buffer.from(rawPath.slice(literalStart, end), 'utf8')) bytes.push(b);
  };
  for (let i = 0; i < rawPath.length; i++) {
    if (rawPath[i] !== '%') continue;
    const hex = rawPath.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return undefined;
    flushLiteral(i);
    bytes.push(parseInt(hex, 16));
    i += 2;
    literalStart = i + 1;
  }
  flushLiteral(rawPath.length);
  return Buffer.from(bytes);
}
