// Log lines written in the same turn of the event loop leave in one write.
// Under load a proxy logs a line per request; one syscall per line costs more
// than the line itself, so lines are batched until setImmediate (no timer,
// nothing held across turns) and flushed before the stream ends.
import { Writable } from 'node:stream';

export class BatchedStream extends Writable {
  private pending: string[] = [];
  private scheduled = false;

  constructor(private readonly target: NodeJS.WritableStream) {
    super({ decodeStrings: false });
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.pending.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    done();
  }

  override _final(done: (error?: Error | null) => void): void {
    this.flush();
    done();
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
