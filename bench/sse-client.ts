// The node:http SSE client: reads event streams one after another and, per event, the delay from the upstream's
// send stamp to arrival here (clock offset corrected); a stream counts ok only with status 200 and every event.
import http from 'node:http';
import { clock, sentAtOf } from './targets/scenario-plan.js';

export interface SseRunInput {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Events a complete stream carries. */
  events: number;
  /** The last event must be the JSON-RPC response (id 1). */
  endsWithResponse: boolean;
  /** Streams to read, one after another (c=1), after `warmup` uncounted ones. */
  streams: number;
  warmup: number;
  /** Upstream clock minus local clock, ms (bench/clock.ts). */
  offsetMs: number;
}

export interface SseRun {
  /** Send-to-arrival delay of every event of the ok streams, ms (unsorted). */
  delays: number[];
  /** Time from request to the last event, per ok stream, ms. */
  durations: number[];
  /** Events per second from first to last event, per ok stream. */
  rates: number[];
  ok: number;
  failures: number;
}

interface Stream {
  ok: boolean;
  delays: number[];
  durationMs: number;
  eventsPerSecond: number;
}

const STREAM_TIMEOUT_MS = 30_000;

function readStream(input: SseRunInput, agent: http.Agent): Promise<Stream> {
  const t0 = clock();
  const delays: number[] = [];
  let events = 0;
  let firstAt = 0;
  let lastAt = 0;
  let last = '';
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      resolve({ ok, delays, durationMs: lastAt - t0, eventsPerSecond: events > 1 ? ((events - 1) * 1000) / (lastAt - firstAt) : NaN });
    };
    const req = http.request(input.url, { method: input.method, headers: input.headers, agent, timeout: STREAM_TIMEOUT_MS }, (res) => {
      const isStream = res.headers['content-type']?.startsWith('text/event-stream') === true;
      let buffer = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        const arrival = clock();
        buffer += chunk;
        let at = 0;
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n', at)) {
          const block = buffer.slice(at, end);
          at = end + 2;
          if (!block.includes('data:')) continue; // a comment (`: keepalive`) or an empty block
          events += 1;
          if (events === 1) firstAt = arrival;
          lastAt = arrival;
          last = block;
          const sentAt = sentAtOf(block);
          if (sentAt !== undefined) delays.push(arrival - (sentAt - input.offsetMs));
        }
        buffer = buffer.slice(at);
      });
      res.on('end', () => {
        const complete = events === input.events && (!input.endsWithResponse || last.includes('"id":1'));
        done(res.statusCode === 200 && isStream && complete);
      });
      res.on('close', () => done(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(false));
    req.end(input.body);
  });
}

export async function runSse(input: SseRunInput): Promise<SseRun> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const headers = input.body === undefined ? input.headers : { ...input.headers, 'content-length': String(Buffer.byteLength(input.body)) };
  const request = { ...input, headers };
  for (let i = 0; i < input.warmup; i++) await readStream(request, agent);
  const run: SseRun = { delays: [], durations: [], rates: [], ok: 0, failures: 0 };
  for (let i = 0; i < input.streams; i++) {
    const stream = await readStream(request, agent);
    if (!stream.ok) {
      run.failures += 1;
      continue;
    }
    run.ok += 1;
    for (const d of stream.delays) run.delays.push(d);
    run.durations.push(stream.durationMs);
    run.rates.push(stream.eventsPerSecond);
  }
  agent.destroy();
  return run;
}
