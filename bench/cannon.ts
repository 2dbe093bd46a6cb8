// The concurrent small-JSON run (autocannon, c=32 by default): requests/s, requests served, and every answer
// checked against the exact expected body (mismatches, non-2xx, errors and timeouts all count as failures).
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
  return { rps: result.requests.average, requests: result.requests.total, failures };
}
