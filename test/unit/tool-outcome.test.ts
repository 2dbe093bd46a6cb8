// A tools/call's outcome read from the answer as relayed: JSON (single or
// batch, capped) and event streams (notifications and server requests before
// the response, events after it ignored); anything else is 'unparsed'.
import { createOutcomeTap, type OutcomeTapOptions } from '../../src/observability/tool-outcome.js';

const JSON_TYPE = 'application/json';
const SSE_TYPE = 'text/event-stream';

function outcome(contentType: string | undefined, rpcId: OutcomeTapOptions['rpcId'], ...chunks: Array<string | Buffer>) {
  const tap = createOutcomeTap({ contentType, rpcId });
  for (const chunk of chunks) tap.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return tap.finish();
}

const ok = (id: unknown, result: unknown = { content: [{ type: 'text', text: 'fine' }] }) => JSON.stringify({ jsonrpc: '2.0', id, result });
const fail = (id: unknown, code: number, message: string) => JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } });
const event = (data: string, extra = '') => `${extra}data: ${data}\n\n`;

describe('JSON answers', () => {
  test('a result is ok; isError: true is a tool error', () => {
    expect(outcome(JSON_TYPE, 7, ok(7))).toEqual({ outcome: 'ok' });
    expect(outcome('application/json; charset=utf-8', 'a', ok('a', { content: [], isError: true }))).toEqual({ outcome: 'tool-error' });
    expect(outcome(JSON_TYPE, 7, ok(7, { content: [], isError: false }))).toEqual({ outcome: 'ok' });
  });

  test('an error is an rpc error with its code and a message cut to 200 characters', () => {
    expect(outcome(JSON_TYPE, 1, fail(1, -32602, 'Unknown tool: nope'))).toEqual({ outcome: 'rpc-error', rpcError: { code: -32602, message: 'Unknown tool: nope' } });
    const long = outcome(JSON_TYPE, 1, fail(1, -32000, 'x'.repeat(5000)));
    expect(long.rpcError?.message).toHaveLength(200);
    expect(long.rpcError?.message.endsWith('…')).toBe(true);
    // The upstream could not read the request at all: id null.
    expect(outcome(JSON_TYPE, 1, fail(null, -32700, 'Parse error'))).toMatchObject({ outcome: 'rpc-error', rpcError: { code: -32700 } });
  });

  test('a batch: the element with our id decides', () => {
    const batch = `[${ok(1)},${fail(2, -32601, 'no')},${ok(3, { isError: true })}]`;
    expect(outcome(JSON_TYPE, 1, batch)).toEqual({ outcome: 'ok' });
    expect(outcome(JSON_TYPE, 2, batch)).toMatchObject({ outcome: 'rpc-error', rpcError: { code: -32601 } });
    expect(outcome(JSON_TYPE, 3, batch)).toEqual({ outcome: 'tool-error' });
    expect(outcome(JSON_TYPE, 4, batch)).toEqual({ outcome: 'no-answer' });
    // A null-id error inside a batch is not ours to claim.
    expect(outcome(JSON_TYPE, 4, `[${fail(null, -32600, 'Invalid')}]`)).toEqual({ outcome: 'no-answer' });
  });

  test('split across chunks, even inside a multi-byte character', () => {
    const body = Buffer.from(ok(9, { content: [{ type: 'text', text: 'héllo 日本' }], isError: true }));
    const at = body.indexOf(Buffer.from('日')) + 1;
    expect(outcome(JSON_TYPE, 9, body.subarray(0, at), body.subarray(at))).toEqual({ outcome: 'tool-error' });
  });

  test('past maxBytes it stops collecting and says unparsed', () => {
    const tap = createOutcomeTap({ contentType: JSON_TYPE, rpcId: 1, maxBytes: 64 });
    const body = Buffer.from(ok(1, { content: [{ type: 'text', text: 'y'.repeat(100) }] }));
    tap.push(body.subarray(0, 50));
    tap.push(body.subarray(50));
    expect(tap.finish()).toEqual({ outcome: 'unparsed' });
  });

  test('not JSON is unparsed; an empty body or another id is no answer', () => {
    expect(outcome(JSON_TYPE, 1, '{"jsonrpc":"2.0","id":1,"res')).toEqual({ outcome: 'unparsed' });
    expect(outcome(JSON_TYPE, 1)).toEqual({ outcome: 'no-answer' });
    expect(outcome(JSON_TYPE, 1, '  \n')).toEqual({ outcome: 'no-answer' });
    expect(outcome(JSON_TYPE, 1, ok(2))).toEqual({ outcome: 'no-answer' });
    expect(outcome(JSON_TYPE, '1', ok(1))).toEqual({ outcome: 'no-answer' });
    expect(outcome(JSON_TYPE, 1, '{"jsonrpc":"2.0","id":1}')).toEqual({ outcome: 'no-answer' });
  });
});

describe('event-stream answers', () => {
  test('notifications and a server request with the same id come first; the response decides', () => {
    const stream = [
      event('{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1}}', 'id: 1\n'),
      event('{"jsonrpc":"2.0","id":5,"method":"sampling/createMessage","params":{}}'),
      ': keepalive\n\n',
      event('not json at all'),
      event(ok(5, { content: [], isError: true }), 'event: message\n'),
    ].join('');
    expect(outcome(SSE_TYPE, 5, stream)).toEqual({ outcome: 'tool-error' });
  });

  test('the first response settles it; later events are not looked at', () => {
    const tap = createOutcomeTap({ contentType: SSE_TYPE, rpcId: 'x' });
    tap.push(Buffer.from(event(fail('x', -32001, 'denied'))));
    tap.push(Buffer.from(event(ok('x'))));
    tap.push(Buffer.from(`data: ${'z'.repeat(4 * 1024 * 1024)}`));
    expect(tap.finish()).toEqual({ outcome: 'rpc-error', rpcError: { code: -32001, message: 'denied' } });
  });

  test('a response split over data lines; CRLF and CR line ends', () => {
    expect(outcome(SSE_TYPE, 2, 'data: {"jsonrpc":"2.0",\r\ndata: "id":2,"result":{}}\r\n\r\n')).toEqual({ outcome: 'ok' });
    // A stream whose last byte is the CR that ends the event (the parser waits for a possible LF).
    expect(outcome(SSE_TYPE, 2, `data: ${ok(2)}\r\r`)).toEqual({ outcome: 'ok' });
  });

  test('a stream that ends without our response is no answer; one cut mid-event too', () => {
    expect(outcome(SSE_TYPE, 1, event(ok(2)), event('{"jsonrpc":"2.0","method":"notifications/message"}'))).toEqual({ outcome: 'no-answer' });
    expect(outcome(SSE_TYPE, 1, `data: ${ok(1)}`)).toEqual({ outcome: 'no-answer' });
    expect(outcome(SSE_TYPE, 1)).toEqual({ outcome: 'no-answer' });
  });

  test('an event past the cap stops the tap: unparsed', () => {
    const tap = createOutcomeTap({ contentType: SSE_TYPE, rpcId: 1, maxBytes: 1024 });
    tap.push(Buffer.from(`data: ${'a'.repeat(2000)}`));
    tap.push(Buffer.from(`\n\n${event(ok(1))}`));
    expect(tap.finish()).toEqual({ outcome: 'unparsed' });
  });
});

test('another content type is unparsed, or no answer when nothing came', () => {
  expect(outcome('text/html', 1, '<html>')).toEqual({ outcome: 'unparsed' });
  expect(outcome(undefined, 1, ok(1))).toEqual({ outcome: 'unparsed' });
  expect(outcome(undefined, 1)).toEqual({ outcome: 'no-answer' });
});
