// The SSE event-boundary tracker behind stream keep-alive: after each chunk,
// do the bytes so far end at a blank line (LF, CRLF or CR), even when split?
import { EventBoundary } from '../../src/proxy/stream-keepalive.js';

/** Feeds the chunks in order and returns atBoundary after each one. */
function after(...chunks: string[]): boolean[] {
  const tracker = new EventBoundary();
  return chunks.map((chunk) => {
    tracker.push(Buffer.from(chunk, 'utf8'));
    return tracker.atBoundary;
  });
}

test('a stream that has sent only headers is at a boundary', () => {
  expect(new EventBoundary().atBoundary).toBe(true);
  expect(after('')).toEqual([true]);
});

test('LF: an event split after its last line break', () => {
  expect(after('data: a\n', '\n')).toEqual([false, true]);
  expect(after('data: a\n\n')).toEqual([true]);
  expect(after('data: a', '\n', '\n')).toEqual([false, false, true]);
});

test('CRLF: a blank line split between chunks, and a CRLF split in half', () => {
  expect(after('data: a\r\n', '\r\n')).toEqual([false, true]);
  expect(after('data: a\r', '\n', '\r\n')).toEqual([false, false, true]);
  expect(after('data: a\r\n\r\n', 'data: b\r\n')).toEqual([true, false]);
});

test('CR only: "\\r\\r" ends an event, also across chunks', () => {
  expect(after('data: a\r', '\r')).toEqual([false, true]);
  expect(after('data: a\r\r')).toEqual([true]);
});

test('a chunk ending mid-line is never at a boundary', () => {
  expect(after('data: a\n\ndata: b')).toEqual([false]);
  expect(after('data: a\n\n', 'data: par', 't\n', '\n')).toEqual([true, false, false, true]);
  expect(after('id: 1\nevent: message\ndata: {"a":')).toEqual([false]);
});

test('a comment line is a line like any other', () => {
  expect(after(': ping\n', '\n')).toEqual([false, true]);
  expect(after(': ping\n\n')).toEqual([true]);
  expect(after('data: a\n', ': note\n', 'data: b\n', '\n')).toEqual([false, false, false, true]);
});

test('extra blank lines keep the boundary; a multi-byte character mid-line does not fake one', () => {
  expect(after('data: a\n\n', '\n', '\r\n')).toEqual([true, true, true]);
  expect(after('data: é', '\n')).toEqual([false, false]);
});
