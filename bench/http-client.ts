// The node:http load client for JSON answers: `concurrency` keep-alive loops POST the same body for a number of
// requests or seconds, time each exchange, and count an answer ok only when it is a 200 with exactly the expected bytes.
import http from 'node:http';

export interface JsonRunInput {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Bytes of a complete answer body. */
  expectBytes: number;
  concurrency: number;
  /** Stop after this many requests in all (default: no limit) ... */
  requests?: number;
  /** ... or after this long (default: no limit). */
  seconds?: number;
  /** Requests sent (and not counted) first, over the same connections. */
  warmup?: number;
}

export interface JsonRun {
  /** Latency of each ok exchange, ms, ascending. */
  latencies: number[];
  ok: number;
  failures: number;
  /** Body bytes received in ok answers. */
  bytes: number;
  seconds: number;
}

const REQUEST_TIMEOUT_MS = 15_000;

/** One exchange: resolves with the body bytes of a 200 answer, or -1 for any failure (status, error, timeout, cut short). */
function exchange(url: string, agent: http.Agent, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (n: number) => {
      if (!settled) {
        settled = true;
        resolve(n);
      }
    };
    const req = http.request(url, { method: 'POST', headers, agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => done(res.statusCode === 200 ? bytes : -1));
      res.on('close', () => done(-1));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(-1));
    req.end(body);
  });
}

export async function runJson(input: JsonRunInput): Promise<JsonRun> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: input.concurrency });
  const headers = { ...input.headers, 'content-length': String(Buffer.byteLength(input.body)) };
  for (let i = 0; i < (input.warmup ?? 0); i += input.concurrency) {
    await Promise.all(Array.from({ length: input.concurrency }, () => exchange(input.url, agent, headers, input.body)));
  }
  const latencies: number[] = [];
  let failures = 0;
  let bytes = 0;
  let sent = 0;
  const started = performance.now();
  const deadline = input.seconds === undefined ? Infinity : started + input.seconds * 1000;
  const limit = input.requests ?? Infinity;
  const loop = async () => {
    while (sent < limit && performance.now() < deadline) {
      sent += 1;
      const t0 = performance.now();
      const n = await exchange(input.url, agent, headers, input.body);
      if (n === input.expectBytes) {
        latencies.push(performance.now() - t0);
        bytes += n;
      } else failures += 1;
    }
  };
  await Promise.all(Array.from({ length: input.concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { latencies, ok: latencies.length, failures, bytes, seconds };
}
