// The headline figures the bench reports (the issue's targets among them): how each is read from a results file,
// tolerating missing sections and the pre-scenarios file layout, and the summary table with the targets checked.
import { worstPathCheckUs } from './checks.js';
import type { BenchResults, Section } from './results.js';
import { TARGET } from './scenarios.js';
import { table } from './table.js';

type Get = (r: BenchResults) => number | undefined;

export interface Headline {
  key: string;
  label: string;
  section: Section;
  unit: string;
  digits: number;
  better: 'higher' | 'lower';
  target?: { op: '>=' | '<='; value: number };
  get: Get;
}

/** A results file may hold anything: getters read it loosely and valueOf() keeps only finite numbers. */
type Loose = Record<string, any>;
const fig = (scenario: string, target: string, key: string): Get => (r) => (r.scenarios?.rows?.[scenario as 'smallJson'] ?? []).find((x) => x.target === target)?.[key];
const of = (scenario: string) => (target: string, key: string) => fig(scenario, target, key);
const [small, big, sse, get] = [of('smallJson'), of('bigJson'), of('sseAnswer'), of('getStream')];
const both = (a: Get, b: Get, f: (x: number, y: number) => number): Get => (r) => {
  const [x, y] = [a(r), b(r)];
  return x === undefined || y === undefined ? undefined : f(x, y);
};
const minus = (a: Get, b: Get, scale = 1) => both(a, b, (x, y) => (x - y) * scale);
const pctOf = (a: Get, b: Get) => both(a, b, (x, y) => (x / y) * 100);
const or = (a: Get, b: Get): Get => (r) => a(r) ?? b(r);
/** Figures of files written before the scenarios section (top-level `summary` of the old layout). */
const legacy = (key: string, scale = 1): Get => (r) => {
  const v = (r.summary as Loose | undefined)?.[key];
  return typeof v === 'number' ? v * scale : undefined;
};
const stdioRow = (i: number, key: string): Get => (r) => ((Array.isArray(r.stdio) ? r.stdio : (r.stdio?.rows ?? [])) as Loose[])[i]?.[key];
const startup = (flag: string): Get => (r) => r.startup?.rows?.find((x) => x.command.endsWith(flag))?.medianMs;
const memory = (target: string, key: 'idleRssMb' | 'afterRssMb' | 'peakRssMb'): Get => (r) => r.scenarios?.memory?.[target]?.[key];
const ms = (us: number | undefined) => (us === undefined ? undefined : us / 1000);
const failed: Get = (r) => {
  const rows = Object.values(r.scenarios?.rows ?? {}).flat();
  return rows.length === 0 ? undefined : rows.reduce((a, x) => a + (x.failures ?? 0), 0);
};
const { direct, bare, proxy, daemon, quiet, baseline } = TARGET;
const atLeast = (value: number) => ({ op: '>=' as const, value });
const atMost = (value: number) => ({ op: '<=' as const, value });

type Spec = [key: string, label: string, unit: string, digits: number, better: Headline['better'], get: Get, target?: Headline['target']];
const section = (name: Section, specs: Spec[]): Headline[] =>
  specs.map(([key, label, unit, digits, better, g, target]) => ({ key, label, section: name, unit, digits, better, get: g, ...(target ? { target } : {}) }));

export const HEADLINES: Headline[] = [
  ...section('scenarios', [
    ['proxyVsBareRpsPct', 'small JSON c=32: proxy req/s as % of bare proxy', '%', 1, 'higher', or(pctOf(small(proxy, 'rps'), small(bare, 'rps')), legacy('proxyVsBareRps', 100)), atLeast(100)],
    ['proxyVsBareCpuPct', 'small JSON c=32: proxy CPU/req as % of bare', '%', 1, 'lower', pctOf(small(proxy, 'cpuUsPerReq'), small(bare, 'cpuUsPerReq')), atMost(110)],
    ['addedP50Ms', 'small JSON c=1: added p50 over direct', 'ms', 3, 'lower', or(minus(small(proxy, 'p50Ms'), small(direct, 'p50Ms')), legacy('addedP50Ms')), atMost(0.1)],
    ['bareAddedP50Ms', 'small JSON c=1: bare proxy added p50 over direct', 'ms', 3, 'lower', minus(small(bare, 'p50Ms'), small(direct, 'p50Ms'))],
    ['addedP50SharedMs', 'small JSON c=1, one core: added p50 over direct', 'ms', 3, 'lower', minus(small(proxy, 'p50MsShared'), small(direct, 'p50MsShared')), atMost(0.1)],
    ['bareAddedP50SharedMs', 'small JSON c=1, one core: bare proxy added p50 over direct', 'ms', 3, 'lower', minus(small(bare, 'p50MsShared'), small(direct, 'p50MsShared'))],
    ['proxyRps', 'small JSON c=32: proxy req/s', 'req/s', 0, 'higher', small(proxy, 'rps')],
    ['bareRps', 'small JSON c=32: bare proxy req/s', 'req/s', 0, 'higher', small(bare, 'rps')],
    ['proxyCpuUsPerReq', 'small JSON c=32: proxy CPU per request', 'µs', 0, 'lower', small(proxy, 'cpuUsPerReq')],
    ['bareCpuUsPerReq', 'small JSON c=32: bare proxy CPU per request', 'µs', 0, 'lower', small(bare, 'cpuUsPerReq')],
    ['proxyP99Ms', 'small JSON c=1: proxy p99', 'ms', 3, 'lower', small(proxy, 'p99Ms')],
    ['proxyP50ManyMs', 'small JSON c=32: proxy p50', 'ms', 3, 'lower', small(proxy, 'p50MsMany')],
    ['proxyP99ManyMs', 'small JSON c=32: proxy p99', 'ms', 3, 'lower', small(proxy, 'p99MsMany')],
    ['daemonVsBareRpsPct', 'small JSON c=32: daemon req/s as % of bare proxy', '%', 1, 'higher', pctOf(small(daemon, 'rps'), small(bare, 'rps')), atLeast(100)],
    ['daemonVsBareCpuPct', 'small JSON c=32: daemon CPU/req as % of bare', '%', 1, 'lower', pctOf(small(daemon, 'cpuUsPerReq'), small(bare, 'cpuUsPerReq')), atMost(110)],
    ['quietVsBareRpsPct', 'small JSON c=32: proxy at log=warn req/s as % of bare', '%', 1, 'higher', pctOf(small(quiet, 'rps'), small(bare, 'rps'))],
    ['baselineVsBareRpsPct', 'small JSON c=32: baseline build req/s as % of bare', '%', 1, 'higher', pctOf(small(baseline, 'rps'), small(bare, 'rps'))],
    ['baselineVsBareCpuPct', 'small JSON c=32: baseline build CPU/req as % of bare', '%', 1, 'lower', pctOf(small(baseline, 'cpuUsPerReq'), small(bare, 'cpuUsPerReq'))],
    ['accessLogP50Us', 'access log cost: c=1 p50, info - warn', 'µs', 0, 'lower', minus(small(proxy, 'p50Ms'), small(quiet, 'p50Ms'), 1000)],
    ['accessLogMeanUs', 'access log cost: c=1 mean, info - warn', 'µs', 0, 'lower', minus(small(proxy, 'meanMs'), small(quiet, 'meanMs'), 1000)],
    ['accessLogRps', 'access log cost: c=32 req/s, warn - info', 'req/s', 0, 'lower', minus(small(quiet, 'rps'), small(proxy, 'rps'))],
    ['accessLogCpuUs', 'access log cost: c=32 CPU per request, info - warn', 'µs', 0, 'lower', minus(small(proxy, 'cpuUsPerReq'), small(quiet, 'cpuUsPerReq'))],
    ['bigP50Ms', '1 MB JSON c=1: proxy p50', 'ms', 2, 'lower', big(proxy, 'p50Ms')],
    ['bigAddedP50Ms', '1 MB JSON c=1: added p50 over direct', 'ms', 2, 'lower', minus(big(proxy, 'p50Ms'), big(direct, 'p50Ms'))],
    ['bigMbPerSec', '1 MB JSON c=8: proxy MB/s', 'MB/s', 0, 'higher', big(proxy, 'mbPerSec')],
    ['bigVsBarePct', '1 MB JSON c=8: proxy MB/s as % of bare proxy', '%', 1, 'higher', pctOf(big(proxy, 'mbPerSec'), big(bare, 'mbPerSec'))],
    ['sseAddedP50Ms', 'SSE answer: added delay per event, p50', 'ms', 3, 'lower', minus(sse(proxy, 'delayP50Ms'), sse(direct, 'delayP50Ms')), atMost(2)],
    ['sseAddedMeanMs', 'SSE answer: added delay per event, mean', 'ms', 3, 'lower', minus(sse(proxy, 'delayMeanMs'), sse(direct, 'delayMeanMs')), atMost(2)],
    ['sseProxyP99Ms', 'SSE answer: proxy delay per event, p99', 'ms', 3, 'lower', sse(proxy, 'delayP99Ms')],
    ['getAddedP50Ms', 'GET stream: added delay per event, p50', 'ms', 3, 'lower', minus(get(proxy, 'delayP50Ms'), get(direct, 'delayP50Ms')), atMost(2)],
    ['getAddedMeanMs', 'GET stream: added delay per event, mean', 'ms', 3, 'lower', minus(get(proxy, 'delayMeanMs'), get(direct, 'delayMeanMs')), atMost(2)],
    ['getEventsPerSec', 'GET stream burst: proxy events/s', 'events/s', 0, 'higher', get(proxy, 'eventsPerSecond')],
    ['getVsBarePct', 'GET stream burst: proxy events/s as % of bare proxy', '%', 1, 'higher', pctOf(get(proxy, 'eventsPerSecond'), get(bare, 'eventsPerSecond'))],
    ['proxyIdleRssMb', 'foreground `start` idle RSS', 'MB', 1, 'lower', memory(proxy, 'idleRssMb'), atMost(50)],
    ['daemonIdleRssMb', '`start --detach` daemon idle RSS', 'MB', 1, 'lower', memory(daemon, 'idleRssMb'), atMost(50)],
    ['proxyAfterRssMb', 'foreground `start` RSS after the scenarios', 'MB', 1, 'lower', memory(proxy, 'afterRssMb')],
    ['daemonAfterRssMb', 'daemon RSS after the scenarios', 'MB', 1, 'lower', memory(daemon, 'afterRssMb')],
    ['daemonPeakRssMb', 'daemon peak RSS (VmHWM)', 'MB', 1, 'lower', or(memory(daemon, 'peakRssMb'), legacy('daemonPeakRssMb'))],
    ['proxyPeakRssMb', 'foreground proxy peak RSS (VmHWM)', 'MB', 1, 'lower', or(memory(proxy, 'peakRssMb'), legacy('proxyPeakRssMb'))],
    ['failedAnswers', 'scenarios: failed answers, all targets', '', 0, 'lower', failed, atMost(0)],
    ['rejectedSignatures', 'scenarios: signatures rejected by the upstream', '', 0, 'lower', or((r) => r.scenarios?.upstream?.rejected, legacy('rejectedSignatures')), atMost(0)],
  ]),
  ...section('startup', [
    ['versionMs', '`mcp-auth-proxy --version` median', 'ms', 0, 'lower', startup('--version'), atMost(200)],
    ['helpMs', '`mcp-auth-proxy --help` median', 'ms', 0, 'lower', startup('--help')],
  ]),
  ...section('stdio', [
    ['stdioCallsPerSec', 'stdio bridge: tools/call per second', 'calls/s', 0, 'higher', stdioRow(0, 'callsPerSecond')],
    ['stdioVsRemotePct', 'stdio bridge calls/s as % of mcp-remote', '%', 1, 'higher', pctOf(stdioRow(0, 'callsPerSecond'), stdioRow(1, 'callsPerSecond'))],
    ['stdioStartMs', 'stdio bridge: spawn to initialized', 'ms', 0, 'lower', stdioRow(0, 'startMs')],
  ]),
  ...section('checks', [
    ['pathCheckUs', 'path confinement check per request, slowest case', 'µs', 3, 'lower', (r) => worstPathCheckUs(r.checks), atMost(2)],
  ]),
  ...section('commands', [
    ['commandAddedP50Ms', 'command server: warm tools/call added p50 over the SDK client on stdio', 'ms', 3, 'lower', (r) => r.commands?.addedP50Ms, atMost(2)],
    ['commandProxyP50Ms', 'command server: warm tools/call p50 through the proxy (per-session)', 'ms', 3, 'lower', (r) => (r.commands?.rows as Loose[] | undefined)?.[1]?.p50Ms],
    ['commandRawP50Ms', 'command server: tools/call p50 through the proxy, node:http keep-alive client', 'ms', 3, 'lower', (r) => (r.commands?.rows as Loose[] | undefined)?.[3]?.p50Ms],
    ['commandChildRssMb', 'command server: RSS per server process', 'MB', 1, 'lower', (r) => r.commands?.memory?.childRssMb],
    ['commandDaemonPerSessionMb', 'command server: daemon RSS per open session', 'MB', 2, 'lower', (r) => r.commands?.memory?.daemonPerSessionMb],
  ]),
  ...section('policy', [
    ['policyDecisionUs', 'policy: one decision worked out from 200 rules', 'µs', 2, 'lower', (r) => r.policy?.rows?.[0]?.us],
    ['policyStepUs', 'policy: the policy step on a tools/call body', 'µs', 2, 'lower', (r) => r.policy?.rows?.[2]?.us],
    ['policyListFirstMs', 'policy: tools/list of 500 tools vs 200 rules, first for a caller', 'ms', 3, 'lower', (r) => ms(r.policy?.rows?.[3]?.us), atMost(1)],
    ['policyListMs', 'policy: tools/list of 500 tools vs 200 rules, later', 'ms', 3, 'lower', (r) => ms(r.policy?.rows?.[4]?.us), atMost(1)],
  ]),
  ...section('profile', [
    ['profileBareBusyUs', 'profile: floor main-thread busy time per request (sampled)', 'µs', 1, 'lower', (r) => r.profile?.targets?.[bare]?.busyUsPerReq],
    ['profileProxyBusyUs', 'profile: proxy main-thread busy time per request (sampled)', 'µs', 1, 'lower', (r) => r.profile?.targets?.[proxy]?.busyUsPerReq],
    ['profileProxyOwnUs', 'profile: time in mcp-auth-proxy code per request (sampled)', 'µs', 2, 'lower', (r) => r.profile?.targets?.[proxy]?.areas?.['mcp-auth-proxy']],
  ]),
  ...section('load', [
    ['loadMixedRps', 'load: mixed JSON/SSE req/s at c=64', 'req/s', 0, 'higher', (r) => r.load?.mixed?.rps],
    ['loadMixedFailed', 'load: mixed failures', '', 0, 'lower', (r) => r.load?.mixed?.failed, atMost(0)],
    ['loadIdleRssMb', 'load: proxy idle RSS before the load', 'MB', 1, 'lower', (r) => r.load?.mixed?.idleRssMb],
    ['loadPeakRssMb', 'load: proxy peak RSS during the load (VmHWM)', 'MB', 1, 'lower', (r) => r.load?.mixed?.hwmMb],
    ['loadRssAfterMb', 'load: proxy RSS once the load is over (end of the settle time)', 'MB', 1, 'lower', (r) => r.load?.mixed?.settle?.lastMb],
    ['loadRssReturnMb', 'load: RSS after the load minus idle RSS', 'MB', 1, 'lower', (r) => diff(r.load?.mixed?.settle?.lastMb, r.load?.mixed?.idleRssMb), atMost(10)],
    ['loadReturnSeconds', 'load: seconds until RSS within 10 MB of idle', 's', 0, 'lower', (r) => r.load?.mixed?.settle?.returnedAfterSeconds],
    ['loadStreamsEstablished', 'load: held SSE streams established', '', 0, 'higher', (r) => r.load?.streams?.[0]?.established],
    ['loadStreamsRssMb', 'load: proxy RSS with the held SSE streams', 'MB', 1, 'lower', (r) => allStreams(r)?.held?.rssMb, atMost(100)],
  ]),
];

function diff(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a - b;
}

/** The held-streams pass that carried every requested stream: the first, or the one spread over servers. */
function allStreams(r: BenchResults): Loose | undefined {
  const passes = (r.load?.streams ?? []) as Loose[];
  return passes.find((p) => p.established === p.requested && p.requested === passes[0]?.requested);
}

/** A headline's value, or undefined when the file lacks it (or holds something else there). */
export function valueOf(headline: Headline, r: BenchResults): number | undefined {
  try {
    const v = headline.get(r);
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function summarize(r: BenchResults): Record<string, number> {
  return Object.fromEntries(HEADLINES.flatMap((hl) => (valueOf(hl, r) === undefined ? [] : [[hl.key, valueOf(hl, r) as number]])));
}

export const show = (hl: Headline, v: number | undefined): string => (v === undefined ? '-' : `${v.toFixed(hl.digits)}${hl.unit ? ` ${hl.unit}` : ''}`);

function verdict(hl: Headline, v: number | undefined): string {
  if (hl.target === undefined || v === undefined) return '';
  return (hl.target.op === '>=' ? v >= hl.target.value : v <= hl.target.value) ? 'ok' : 'MISSED';
}

export function printHeadlines(r: BenchResults, sections: Section[]): void {
  const body = HEADLINES.filter((hl) => sections.includes(hl.section)).map((hl) => {
    const v = valueOf(hl, r);
    const target = hl.target ? `${hl.target.op} ${hl.target.value}${hl.unit === '%' ? '%' : hl.unit ? ` ${hl.unit}` : ''}` : '';
    return [hl.label, show(hl, v), target, verdict(hl, v)];
  });
  console.log(`\n## headline figures\n\n${table(['figure', 'value', 'target', ''], body)}\n`);
}
