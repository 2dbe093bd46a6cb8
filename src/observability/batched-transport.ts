// The logger's way out, in batches: lines logged in the same turns of the
// event loop leave in one write. Under load the proxy logs a line per
// request, and one syscall per line costs more than the line. A line logged
// through the logger (a warning, an event) waits one more turn than it must
// (two setImmediates, no timer), so I/O that came in meanwhile is served first. The
// access log's line per request waits up to ACCESS_DELAY_MS instead: with one
// client, a write per request cost the proxy a syscall and two turns of the
// event loop per request (about 3 µs of latency on one core, measured at
// c=1), and under load the batch grows to a write every few hundred lines.
// Any other line flushes the access lines before it, so the order holds. A
// burst past MAX_PENDING_BYTES goes out at once, and nothing is lost at exit:
// flush() empties the batch, and a process 'exit' hook flushes every
// transport still holding lines (process.exit() in the turn that logged them,
// an uncaught exception).
/** A batch this big goes out at once, so a burst never holds much memory. */
const MAX_PENDING_BYTES = 64 * 1024;

/** How long an access line may wait for others to share its write: too short for a reader to notice. */
export const ACCESS_DELAY_MS = 25;

/** Transports holding lines, for the exit hook. */
const holding = new Set<BatchedTransport>();
let exitHooked = false;

function flushAtExit(transport: BatchedTransport): void {
  holding.add(transport);
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const t of [...holding]) t.flush();
  });
}

export class BatchedTransport {
  private pending: string[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly flushNow = () => this.flush();
  /** One more turn first: the I/O that came in meanwhile (the next request at c=1) is served before the write. */
  private readonly flushNext = () => void setImmediate(this.flushNow);

  /**
   * `target` receives the joined lines; `render`, when given, turns each
   * finished (redacted) JSON line into what is written (the pretty format).
   */
  constructor(
    private readonly target: { write(text: string): unknown },
    private readonly render?: (line: string) => string,
  ) {}

  /**
   * Queues one finished line (no newline) for the next write: within two
   * turns of the event loop, or with `later` (the access log's line per
   * request) within ACCESS_DELAY_MS.
   */
  writeLine(line: string, later = false): void {
    const text = `${this.render ? this.render(line) : line}\n`;
    this.pending.push(text);
    this.pendingBytes += text.length;
    if (this.pendingBytes >= MAX_PENDING_BYTES) return this.flush();
    if (later) {
      if (this.timer === undefined && !this.scheduled) {
        this.timer = setTimeout(this.flushNow, ACCESS_DELAY_MS);
        this.timer.unref();
        flushAtExit(this);
      }
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushNext);
      flushAtExit(this);
    }
  }

  /** Writes whatever is pending now (also called before the process exits). */
  flush(): void {
    this.scheduled = false;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    holding.delete(this);
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    this.target.write(text);
  }
}
