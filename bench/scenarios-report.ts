// Prints the scenarios section as markdown tables: one per scenario (medians over rounds, failures summed),
// then the memory of each proxy process and what the upstream's signature check saw.
import type { Row, ScenariosResult } from './scenarios.js';
import { TARGET } from './scenarios.js';
import { delta, mb, ms, num, pct, table, us } from './table.js';

const byName = (rows: Row[], name: string) => rows.find((r) => r.target === name);
const failures = (r: Row) => String(r.failures ?? '-');

const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : a / b);

function smallJson(result: ScenariosResult): string {
  const rows = result.rows.smallJson;
  const bare = byName(rows, TARGET.bare);
  const direct = byName(rows, TARGET.direct);
  const { smallConcurrency: c, seconds } = result.knobs;
  const generator = result.loadGenerator ?? 'autocannon';
  const wrk = generator.startsWith('wrk');
  const one = wrk ? `${result.knobs.latencySeconds}s at c=1` : `${result.knobs.latencyRequests} requests at c=1 (node:http)`;
  const shared = rows.some((r) => r.p50MsShared !== undefined);
  const placed = result.placement ? `; ${result.placement}` : '';
  const oneCore = shared ? '; "one core": c=1 again with the target on the load side\'s cores' : '';
  const head = `small JSON answer (1 KB): ${one}, ${seconds}s at c=${c}, by ${generator}; CPU = the target process's utime+stime per request (all threads)${placed}${oneCore}`;
  const added = (r: Row, key: 'p50Ms' | 'p50MsShared') => delta(((r[key] ?? NaN) - (direct?.[key] ?? NaN)) * 1000, 0, ' µs');
  const body = rows.map((r) => {
    const proxied = r.target !== TARGET.direct;
    return [
      r.target,
      ms(r.p50Ms),
      ms(r.p99Ms),
      proxied ? added(r, 'p50Ms') : '',
      ...(shared ? [ms(r.p50MsShared), proxied ? added(r, 'p50MsShared') : ''] : []),
      num(r.rps),
      proxied && bare ? pct(ratio(r.rps, bare.rps)) : '',
      ms(r.p50MsMany),
      ms(r.p99MsMany),
      us(r.cpuUsPerReq),
      proxied && bare ? pct(ratio(r.cpuUsPerReq, bare.cpuUsPerReq)) : '',
      us(r.cpuUsPerReqOne),
      failures(r),
    ];
  });
  const header = ['target', 'p50 c=1', 'p99 c=1', 'added p50', ...(shared ? ['p50 c=1 one core', 'added'] : []), `req/s c=${c}`, 'vs bare', `p50 c=${c}`, `p99 c=${c}`, `CPU/req c=${c}`, 'vs bare', 'CPU/req c=1', 'failed'];
  return `${head}\n\n${table(header, body)}`;
}

/**
 * The table the README shows: per target, small JSON req/s and CPU per request
 * at c=N, p50/p99 at c=1 and c=N, and the process's memory.
 */
export function summaryTable(result: ScenariosResult): string {
  const c = result.knobs.smallConcurrency;
  const body = result.rows.smallJson.map((r) => {
    const m = result.memory[r.target];
    return [r.target, num(r.rps), us(r.cpuUsPerReq), ms(r.p50Ms), ms(r.p99Ms), ms(r.p50MsMany), ms(r.p99MsMany), mb(m?.idleRssMb), mb(m?.afterRssMb), mb(m?.peakRssMb)];
  });
  const header = ['target', `req/s c=${c}`, 'CPU/req', 'p50 c=1', 'p99 c=1', `p50 c=${c}`, `p99 c=${c}`, 'RSS idle', 'RSS after', 'RSS peak'];
  return table(header, body);
}

function bigJson(result: ScenariosResult): string {
  const { bigRequests, bigConcurrency: c, seconds } = result.knobs;
  const head = `1 MB JSON answer: c=1 over ${bigRequests} requests, c=${c} for ${seconds}s (node:http, every byte counted)`;
  const body = result.rows.bigJson.map((r) => [r.target, ms(r.p50Ms, 2), ms(r.p99Ms, 2), num(r.rps), num(r.mbPerSec, 0, ' MB/s'), us(r.cpuUsPerReq), failures(r)]);
  return `${head}\n\n${table(['target', 'p50 c=1', 'p99 c=1', `req/s c=${c}`, `c=${c}`, `CPU/req c=${c}`, 'failed'], body)}`;
}

function sseAnswer(result: ScenariosResult): string {
  const rows = result.rows.sseAnswer;
  const direct = byName(rows, TARGET.direct);
  const head = `SSE answer to a POST, 100 events: ${result.knobs.sseRequests} requests at c=1; delay = arrival at the client - the upstream's send stamp, per event`;
  const body = rows.map((r) => [
    r.target,
    ms(r.delayP50Ms),
    ms(r.delayP99Ms),
    ms(r.delayMeanMs),
    r === direct ? '' : delta((r.delayP50Ms ?? NaN) - (direct?.delayP50Ms ?? NaN)),
    r === direct ? '' : delta((r.delayMeanMs ?? NaN) - (direct?.delayMeanMs ?? NaN)),
    ms(r.requestP50Ms, 2),
    failures(r),
  ]);
  return `${head}\n\n${table(['target', 'delay p50', 'delay p99', 'delay mean', 'added p50', 'added mean', 'request p50', 'failed'], body)}`;
}

function getStream(result: ScenariosResult): string {
  const rows = result.rows.getStream;
  const direct = byName(rows, TARGET.direct);
  const { getStreams, getEvents, getPacedEvents } = result.knobs;
  const head =
    `GET stream, c=1: delay per event over ${getStreams} streams of ${getPacedEvents} events pushed 1 ms apart; ` +
    `events/s (first to last event) over ${getStreams} streams of ${getEvents} events pushed back to back`;
  const body = rows.map((r) => [
    r.target,
    num(r.eventsPerSecond),
    ms(r.burstP50Ms, 1),
    ms(r.delayP50Ms),
    ms(r.delayP99Ms),
    ms(r.delayMeanMs),
    r === direct ? '' : delta((r.delayP50Ms ?? NaN) - (direct?.delayP50Ms ?? NaN)),
    r === direct ? '' : delta((r.delayMeanMs ?? NaN) - (direct?.delayMeanMs ?? NaN)),
    failures(r),
  ]);
  return `${head}\n\n${table(['target', 'events/s', 'burst p50', 'delay p50', 'delay p99', 'delay mean', 'added p50', 'added mean', 'failed'], body)}`;
}

function memory(result: ScenariosResult): string {
  const body = Object.entries(result.memory).map(([name, m]) => [name, mb(m.idleRssMb), mb(m.afterRssMb), mb(m.peakRssMb)]);
  const head = `memory (VmRSS): idle = ${result.idleSeconds}s after start with no traffic; after = ${result.idleSeconds}s after the last scenario; peak = VmHWM over the run`;
  return `${head}\n\n${table(['process', 'idle RSS', 'RSS after', 'peak RSS'], body)}`;
}

export function printScenarios(result: ScenariosResult): void {
  const { upstream, clock } = result;
  const load = result.loadAverage;
  const machine = load ? `; machine load average ${load.start.toFixed(2)} at start, ${load.end.toFixed(2)} at end, ${result.cores} cores` : '';
  console.log(`\n## scenarios: ${result.rounds} interleaved rounds, medians${machine}\n`);
  for (const part of [smallJson, bigJson, sseAnswer, getStream, memory]) console.log(`${part(result)}\n`);
  console.log(`summary (small JSON by ${result.loadGenerator ?? 'autocannon'}; memory as above)\n\n${summaryTable(result)}\n`);
  const offsets = clock.map((c) => `${(c.offsetMs * 1000).toFixed(0)} µs ±${((c.rttMs * 1000) / 2).toFixed(0)}`).join(', ');
  console.log(`upstream: ${upstream.signed} signed requests verified, ${upstream.rejected} rejected, ${upstream.direct} direct (unsigned), ${upstream.badBody} bad bodies; clock offset upstream - bench per round: ${offsets}`);
}
