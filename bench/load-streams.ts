// Held streams: open N GET event streams through the proxy at once (one connection each), wait until each
// got its first bytes or failed, read the proxy's memory, hold, check all still flow, then close them all.
import http from 'node:http';
import { memoryOf, openFds, type Memory } from './proc.js';

export interface StreamsRun {
  requested: number;
  /** 200 and first bytes received. */
  established: number;
  /** Failed answers by status ("504") or error code; "pending" for none by the deadline. */
  failed: Record<string, number>;
  secondsToSettle: number;
  /** Established streams still open after the hold, and of those, how many got bytes (a ping) during it. */
  stillOpen: number;
  flowing: number;
  holdSeconds: number;
  before?: Memory;
  /** Proxy memory once every stream settled, and at the end of the hold. */
  held?: Memory;
  afterHold?: Memory;
  fds?: number;
}

interface Held {
  req: http.ClientRequest;
  result?: string;
  bytes: number;
  closed: boolean;
}

function openStream(url: URL, onSettled: () => void): Held {
  const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream' } });
  const held: Held = { req, bytes: 0, closed: false };
  const settle = (result: string) => {
    if (held.result !== undefined) return;
    held.result = result;
    onSettled();
  };
  req.on('response', (res) => {
    res.on('data', (chunk: Buffer) => {
      held.bytes += chunk.length;
      settle(res.statusCode === 200 ? 'ok' : String(res.statusCode));
    });
    res.on('end', () => settle(String(res.statusCode)));
    res.on('close', () => (held.closed = true));
  });
  req.on('error', (error: NodeJS.ErrnoException) => {
    held.closed = true;
    settle(error.code ?? 'error');
  });
  return held;
}

/** Resolves once every stream settled (first bytes or a failure), or at the deadline; stream i goes to urls[i % urls.length]. */
function openAll(urls: URL[], count: number, deadlineMs: number): Promise<Held[]> {
  return new Promise((resolve) => {
    let settled = 0;
    const timer = setTimeout(() => resolve(streams), deadlineMs);
    const onSettled = () => {
      if (++settled < count) return;
      clearTimeout(timer);
      resolve(streams);
    };
    const streams = Array.from({ length: count }, (_, i) => openStream(urls[i % urls.length] as URL, onSettled));
  });
}

function tally(streams: Held[]): { established: Held[]; failed: Record<string, number> } {
  const failed: Record<string, number> = {};
  const established = streams.filter((s) => s.result === 'ok');
  for (const s of streams) if (s.result !== 'ok') failed[s.result ?? 'pending'] = (failed[s.result ?? 'pending'] ?? 0) + 1;
  return { established, failed };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `settleMs` should outlast the proxy's requestTimeout (20 s by default), so
 * a stream queued behind a full upstream pool shows up as its 504.
 */
export async function runStreams(urls: URL[], pid: number | undefined, count: number, holdSeconds: number, settleMs: number): Promise<StreamsRun> {
  const before = memoryOf(pid);
  const started = performance.now();
  const streams = await openAll(urls, count, settleMs);
  const secondsToSettle = (performance.now() - started) / 1000;
  const { established, failed } = tally(streams);
  const held = memoryOf(pid);
  const fds = openFds(pid);
  const bytesBefore = established.map((s) => s.bytes);
  await sleep(holdSeconds * 1000);
  const open = established.filter((s) => !s.closed);
  const flowing = established.filter((s, i) => !s.closed && s.bytes > (bytesBefore[i] ?? 0)).length;
  const afterHold = memoryOf(pid);
  for (const s of streams) s.req.destroy();
  return { requested: count, established: established.length, failed, secondsToSettle, stillOpen: open.length, flowing, holdSeconds, before, held, afterHold, fds };
}
