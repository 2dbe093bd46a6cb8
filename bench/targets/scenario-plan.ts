// The scenarios of the bench upstream and what a complete answer to each looks like, shared by
// bench/targets/upstream.ts and the clients so both sides agree on bodies, sizes and event counts.

export type Scenario = 'small' | 'big' | 'sse';

/** Tool names the POST bodies carry; the upstream picks the answer with a cheap `includes`. */
export const TOOL: Record<Scenario, string> = { small: 'bench_small', big: 'bench_big', sse: 'bench_sse' };

export function requestBody(scenario: Scenario): string {
  return JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: TOOL[scenario], arguments: { text: 'hi' } } });
}

export const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
export const GET_HEADERS = { accept: 'text/event-stream' };
/**
 * How the upstream pushes events on a GET stream: `paced`, one event a millisecond (the per-event delay, nothing
 * queued), or `burst`, all events back to back as fast as the socket takes them (the events/s a relay sustains).
 */
export const STREAM_MODE_HEADER = 'x-bench-stream';
export type StreamMode = 'paced' | 'burst';
export const PACE_MS = 1;
/** Sent by the bench on direct requests only: the upstream accepts those unsigned, every other request must carry a valid signature. */
export const DIRECT_HEADER = 'x-bench-direct';

/** The small answer: a tool result of 1 KB in all, the size of a typical one (and of the measurements). */
export const SMALL_BYTES = 1024;
export const SMALL_ANSWER = (() => {
  const empty = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: '' }] } });
  return JSON.stringify({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'echo: hi '.padEnd(SMALL_BYTES - empty.length, '.') }] } });
})();

/** The 1 MB answer: exactly BIG_BYTES of JSON-RPC result. */
export const BIG_BYTES = 1024 * 1024;
export function bigAnswer(): Buffer {
  const head = '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"';
  const tail = '"}]}}';
  return Buffer.from(head + 'x'.repeat(BIG_BYTES - head.length - tail.length) + tail);
}

/** Events in the SSE answer to a POST (the 100). */
export const SSE_EVENTS = 100;

/** The current time on the clock every process on the machine shares (ms, fractional). */
export const clock = () => performance.timeOrigin + performance.now();

/**
 * Event `i` (1-based) of `total` on a stream. Every event carries its send time in `sentAt`; the last one of a POST
 * answer is the JSON-RPC response (id 1), all others are notifications. Built by string concatenation: cheap per event.
 */
export function sseEvent(i: number, total: number, final: boolean): string {
  const sentAt = clock().toFixed(3);
  const data = final
    ? `{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"done"}],"_meta":{"sentAt":${sentAt}}}}`
    : `{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":${i},"total":${total},"_meta":{"sentAt":${sentAt}}}}`;
  return `event: message\ndata: ${data}\n\n`;
}

const SENT_AT = /"sentAt":([\d.]+)/;

/** The send time stamped into an event's data, or undefined when the event carries none. */
export function sentAtOf(block: string): number | undefined {
  const m = SENT_AT.exec(block);
  return m ? Number(m[1]) : undefined;
}
