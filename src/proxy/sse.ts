// Local SSE streams. When an upstream answers the GET stream with 405 (it has
// no server-initiated stream), agents that insist on one still get a stream:
// `: keepalive` comments at once and every heartbeatMs, nothing else.
import type { ServerResponse } from 'node:http';
import { countOwnBytes } from './jsonrpc-error.js';

export const KEEPALIVE = ': keepalive\n\n';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
} as const;

export function serveHeartbeatStream(res: ServerResponse, intervalMs: number, headers: Record<string, string> = {}): void {
  res.writeHead(200, { ...SSE_HEADERS, ...headers });
  const beat = () => {
    res.write(KEEPALIVE);
    countOwnBytes(res, KEEPALIVE.length); // the access log's bytesOut
  };
  beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  res.once('close', () => clearInterval(timer));
}

export function isEventStream(contentType: string | string[] | undefined): boolean {
  return typeof contentType === 'string' && contentType.toLowerCase().startsWith('text/event-stream');
}
