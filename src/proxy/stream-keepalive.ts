// Keep-alive for quiet upstream event streams (servers with streamKeepalive):
// relay every chunk at once, and add `: keepalive` after heartbeatMs of silence, only between events.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KEEPALIVE } from './sse.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Tracks, across chunks, whether the bytes seen so far end at an SSE event
 * boundary: a blank line, with lines ended by LF, CRLF or CR. A stream that
 * has sent nothing yet is at a boundary. Only a chunk's trailing line breaks
 * need looking at: any other byte means the stream is inside a line.
 */
export class EventBoundary {
  private boundary = true;
  /** No byte of the current line seen yet. */
  private lineEmpty = true;
  /** The last byte was CR: an LF next completes that CRLF, it is no new line. */
  private afterCR = false;

  get atBoundary(): boolean {
    return this.boundary;
  }

  push(chunk: Uint8Array): void {
    let i = chunk.length;
    while (i > 0 && (chunk[i - 1] === LF || chunk[i - 1] === CR)) i--;
    if (i > 0) {
      this.boundary = false;
      this.lineEmpty = false;
      this.afterCR = false;
    }
    for (; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === LF && this.afterCR) {
        this.afterCR = false;
        continue;
      }
      // A line break ending an empty line is the blank line that closes an event.
      if (this.lineEmpty) this.boundary = true;
      this.lineEmpty = true;
      this.afterCR = byte === CR;
    }
  }
}

/**
 * Relays an upstream event stream chunk by chunk (pausing it while the client
 * is slow) and writes `: keepalive` once it has been silent for `intervalMs`
 * at an event boundary; mid-event, the check waits for the next silence. A
 * trailing CR counts as a boundary (the spec ends a line there); should its
 * LF follow later, the client just sees one more empty line, which is inert.
 * `observe` sees each upstream chunk first (byte counts, the audit's tap).
 */
export function relayWithKeepalive(source: IncomingMessage, res: ServerResponse, intervalMs: number, observe: (chunk: Buffer) => void = () => undefined): void {
  // Plain-text comments would corrupt a compressed body: relay that untouched.
  const encoding = source.headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') {
    source.on('data', observe);
    source.pipe(res);
    return;
  }
  const boundary = new EventBoundary();
  const timer = setInterval(() => {
    if (boundary.atBoundary && !res.writableNeedDrain && !res.writableEnded) res.write(KEEPALIVE);
  }, intervalMs);
  timer.unref();
  const stop = () => clearInterval(timer);
  source.on('data', (chunk: Buffer) => {
    if (res.writableEnded) return;
    observe(chunk);
    timer.refresh();
    boundary.push(chunk);
    if (!res.write(chunk)) {
      source.pause();
      res.once('drain', () => source.resume());
    }
  });
  source.once('end', () => {
    stop();
    if (!res.writableEnded) res.end();
  });
  source.once('close', stop);
  res.once('close', stop);
}
