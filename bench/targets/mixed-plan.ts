// What the mixed upstream answers to JSON-RPC id N, shared by the upstream and
// the load client so the client knows exactly what a complete answer looks like.

/** Out of every 10 consecutive ids, 3 get an SSE answer: the mix is exactly 70/30 JSON/SSE. */
export const SSE_PER_TEN = 3;

export type Plan = { kind: 'json' } | { kind: 'sse'; events: number };

export function planFor(id: number): Plan {
  if (id % 10 >= SSE_PER_TEN) return { kind: 'json' };
  // 3, 4 or 5 events, cycling with each block of ten ids.
  return { kind: 'sse', events: 3 + (Math.floor(id / 10) % 3) };
}

/** The events of an SSE answer: progress notifications, then the result carrying the request id. */
export function sseEvents(id: number, events: number): string[] {
  const out: string[] = [];
  for (let i = 1; i < events; i++) {
    out.push(message({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: id, progress: i, total: events } }));
  }
  out.push(message(jsonResult(id)));
  return out;
}

export function jsonResult(id: number): object {
  return { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'echo: hi' }] } };
}

function message(data: object): string {
  return `event: message\ndata: ${JSON.stringify(data)}\n\n`;
}
