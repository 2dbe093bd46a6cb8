// A winston transport that batches: lines logged in the same turn of the
// event loop leave in one write. Under load the proxy logs a line per
// request, and one syscall per line costs more than the line; nothing is
// held across turns (setImmediate, no timer), and flush() empties it at exit.
import TransportStream from 'winston-transport';

const MESSAGE = Symbol.for('message');

export class BatchedTransport extends TransportStream {
  private pending: string[] = [];
  private scheduled = false;

  /**
   * `target` receives the joined lines; `render`, when given, turns each
   * finished (redacted) JSON line into what is written (the pretty format).
   */
  constructor(
    private readonly target: { write(text: string): unknown },
    private readonly render?: (line: string) => string,
  ) {
    super();
  }

  override log(info: Record<symbol, unknown>, next: () => void): void {
    this.writeLine(String(info[MESSAGE]));
    next();
  }

  /** Queues one finished line (no newline) for the next write. */
  writeLine(line: string): void {
    this.pending.push(`${this.render ? this.render(line) : line}\n`);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes whatever is pending now (also called before the process exits). */
  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
    this.target.write(text);
  }
}
