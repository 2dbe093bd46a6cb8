// The concurrent small-JSON run when wrk is missing (autocannon, c=32 by default): requests/s, latency, and every
// answer checked against the exact expected body (mismatches, non-2xx, errors and timeouts all count as failures).
import autocannon from 'autocannon';

export interface CannonInput {
  url: string;
  headers: Record<string, string>;
  body: string;
  expectBody: string;
  connections: number;
  seconds: number;
}

export interface CannonRun {
  /** Mean of autocannon's per-second request counts. */
  rps: number;
  /** Answers received in all. */
  requests: number;
  failures: number;
  /** Latency percentiles as autocannon reports them, ms. */
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

export async function runCannon(input: CannonInput): Promise<CannonRun> {
  const result = await autocannon({
    url: input.url,
    connections: input.connections,
    duration: input.seconds,
    method: 'POST',
    headers: input.headers,
    body: input.body,
    expectBody: input.expectBody,
  });
  // A non-2xx answer also mismatches the expected body: count it once.
  const failures = result.errors + result.timeouts + Math.max(result.non2xx, result.mismatches);
  return { rps: result.requests.average, requests: result.requests.total, failures, p50Ms: result.latency.p50, p99Ms: result.latency.p99, meanMs: result.latency.mean };
}
