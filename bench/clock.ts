// Clock offset between the bench upstream and this process, so per-event delays (upstream stamp to arrival here)
// do not carry the few-µs-to-ms error of each process's performance.timeOrigin: NTP-style, the fastest of N pings wins.
import http from 'node:http';
import { clock } from './targets/scenario-plan.js';

export interface ClockOffset {
  /** Upstream clock minus local clock, ms. */
  offsetMs: number;
  /** Round trip of the ping the offset came from, ms: the offset's error is at most half of it. */
  rttMs: number;
}

function ping(url: string, agent: http.Agent): Promise<{ t0: number; remote: number; t1: number }> {
  return new Promise((resolve, reject) => {
    const t0 = clock();
    http
      .get(url, { agent }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ t0, remote: Number(text), t1: clock() }));
      })
      .on('error', reject);
  });
}

/** `base` is the upstream's origin (http://127.0.0.1:port). */
export async function clockOffset(base: string, pings = 50): Promise<ClockOffset> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let best: ClockOffset = { offsetMs: 0, rttMs: Infinity };
  for (let i = 0; i < pings; i++) {
    const { t0, remote, t1 } = await ping(`${base}/clock`, agent);
    if (t1 - t0 < best.rttMs) best = { offsetMs: remote - (t0 + t1) / 2, rttMs: t1 - t0 };
  }
  agent.destroy();
  return best;
}
