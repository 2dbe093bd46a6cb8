// Server-sent events cut at their boundaries (a blank line; lines end with
// LF, CRLF or CR), for the one answer stream whose list the policy filters:
// each event is held only until it is whole, and one whose data is the
// filtered list is rewritten; every other event goes out as its bytes.
import { filterJson, type ListFilter, type RpcId } from './list-filter.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into whole events; the bytes after the last boundary
 * wait for more (kept as the chunks they came in, joined once their event is
 * whole). A CR ends a line at once: when it ends the blank line, the LF of a
 * CRLF starts the next piece, where a client reads it as part of the same
 * line end, so the bytes are the same either way.
 */
export class EventSplitter {
  private pieces: Buffer[] = [];
  private heldBytes = 0;
  /** No byte of the current line seen yet. */
  private lineEmpty = true;
  private afterCR = false;

  /** Bytes held, not yet part of a whole event. */
  get held(): number {
    return this.heldBytes;
  }

  /** The whole events `chunk` completes, in order (each with its closing blank line). */
  push(chunk: Buffer): Buffer[] {
    const events: Buffer[] = [];
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (byte === LF && this.afterCR) {
        this.afterCR = false;
        continue;
      }
      if (byte !== LF && byte !== CR) {
        this.lineEmpty = false;
        this.afterCR = false;
        continue;
      }
      this.afterCR = byte === CR;
      if (this.lineEmpty) {
        this.pieces.push(chunk.subarray(from, i + 1));
        events.push(this.pieces.length === 1 ? (this.pieces[0] as Buffer) : Buffer.concat(this.pieces));
        this.pieces = [];
        this.heldBytes = 0;
        from = i + 1;
      }
      this.lineEmpty = true;
    }
    if (from < chunk.length) {
      this.pieces.push(chunk.subarray(from));
      this.heldBytes += chunk.length - from;
    }
    return events;
  }

  /** What is left at the end of the stream (an event without its blank line). */
  rest(): Buffer {
    const rest = Buffer.concat(this.pieces);
    this.pieces = [];
    this.heldBytes = 0;
    return rest;
  }
}

/** A line of an event: its text and its terminator, as sent. */
interface Line {
  text: string;
  end: string;
}

/**
 * The event with the filter applied to its data (the JSON-RPC message or
 * batch it carries), and the list responses it answered. The same Buffer
 * when nothing changed; otherwise the data lines are written again in place
 * of the first one, other lines as they were.
 */
export function filterEvent(event: Buffer, filter: ListFilter): { event: Buffer; answered: RpcId[] } {
  const lines = splitLines(event.toString('utf8'));
  const data: string[] = [];
  let firstData = -1;
  let spaced = true;
  lines.forEach((line, k) => {
    if (line.text !== 'data' && !line.text.startsWith('data:')) return;
    if (firstData === -1) {
      firstData = k;
      spaced = line.text.startsWith('data: ');
    }
    const value = line.text.slice(5);
    data.push(value.startsWith(' ') ? value.slice(1) : value);
  });
  if (firstData === -1) return { event, answered: [] };
  const original = Buffer.from(data.join('\n'), 'utf8');
  const { body, answered } = filterJson(original, filter);
  if (body === original) return { event, answered };
  const end = (lines[firstData] as Line).end || '\n';
  const rewritten = body
    .toString('utf8')
    .split('\n')
    .map((part) => `data:${spaced ? ' ' : ''}${part}${end}`)
    .join('');
  let out = '';
  lines.forEach((line, k) => {
    if (k === firstData) out += rewritten;
    else if (!(line.text === 'data' || line.text.startsWith('data:'))) out += line.text + line.end;
  });
  return { event: Buffer.from(out, 'utf8'), answered };
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const pattern = /\r\n|\r|\n/g;
  let at = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    lines.push({ text: text.slice(at, m.index), end: m[0] });
    at = m.index + m[0].length;
  }
  if (at < text.length) lines.push({ text: text.slice(at), end: '' });
  return lines;
}
