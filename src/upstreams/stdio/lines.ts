// Newline-delimited JSON-RPC, the stdio transport's framing: one message a
// line. Splits a child's stdout into lines without copying what is already
// split, with a cap on a line's length (a child that never writes a newline
// must not grow the proxy's memory without bound).

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** After an overflow: the rest of that line is dropped, up to its newline. */
  private skipping = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverflow: () => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let end = chunk.indexOf(10, start); end !== -1; end = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, end);
      start = end + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      if (this.pendingBytes + piece.length > this.maxBytes) {
        this.reset();
        this.onOverflow();
        continue;
      }
      const whole = this.pending.length === 0 ? piece : Buffer.concat([...this.pending, piece]);
      this.reset();
      const text = whole.toString('utf8');
      const line = text.endsWith('\r') ? text.slice(0, -1) : text;
      if (line.trim() !== '') this.onLine(line);
    }
    if (start < chunk.length && !this.skipping) {
      const rest = chunk.subarray(start);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxBytes) {
        this.reset();
        this.skipping = true;
        this.onOverflow();
        return;
      }
      this.pending.push(rest);
    }
  }

  private reset(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }
}
