// Reads V8 CPU profiles (.cpuprofile, as the profile hook writes them) into sampled self time per request: per
// function and per area (node's own modules, this package, npm packages, GC...). Our modules are named the same
// whether they ran from dist/ (the proxy) or src/ (the floor, under tsx), so the two line up in a diff.
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface Profile {
  nodes: Array<{ id: number; callFrame: CallFrame }>;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  requests: number;
  /** Sampled time the main thread was not idle, µs per request. */
  busyUsPerReq: number;
  /** µs per request by area. */
  areas: Record<string, number>;
  /** µs per request by function (`name module[:line]`). */
  functions: Record<string, number>;
}

/** Where a function lives, for grouping: node internals, this package, the bench floor, an npm package, or V8 itself. */
function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native: syscalls and V8 builtins)';
  if (url.startsWith('node:')) return 'node internals';
  if (/\/node_modules\//.test(url)) return `npm ${/\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? ''}`;
  if (/\/bench\/targets\//.test(url)) return 'bench floor (bare-proxy.ts)';
  if (/\/(dist|src)\//.test(url)) return 'mcp-auth-proxy';
  return url;
}

/** `name module`: our modules without dist/src and extension; node's with their line (functions repeat across files). */
function keyOf(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  const ours = /\/(?:dist|src)\/(.+)\.(?:js|ts)$/.exec(frame.url);
  if (ours) return `${name} ${ours[1]}`;
  if (frame.url.startsWith('node:')) return `${name} ${frame.url}:${frame.lineNumber + 1}`;
  const pkg = /\/node_modules\/(.+)$/.exec(frame.url);
  if (pkg) return `${name} ${pkg[1]}`;
  const bench = /\/bench\/(.+)$/.exec(frame.url);
  return bench ? `${name} bench/${bench[1]}` : name;
}

export function summarizeProfiles(files: string[], requests: number): ProfileSummary {
  const areas: Record<string, number> = {};
  const functions: Record<string, number> = {};
  let busy = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    profile.samples.forEach((id, i) => {
      const frame = frames.get(id);
      const us = profile.timeDeltas[i] ?? 0;
      if (!frame || frame.functionName === '(idle)') return;
      busy += us;
      const area = areaOf(frame);
      areas[area] = (areas[area] ?? 0) + us;
      const key = keyOf(frame);
      functions[key] = (functions[key] ?? 0) + us;
    });
  }
  const per = (record: Record<string, number>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v / Math.max(1, requests)]));
  return { requests, busyUsPerReq: busy / Math.max(1, requests), areas: per(areas), functions: per(functions) };
}

/** Rows of `a` and `b` side by side, biggest difference first; entries under `floor` µs in both are left out. */
export function diffRows(a: Record<string, number>, b: Record<string, number>, limit: number, floor = 0.05): Array<[string, number, number]> {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys]
    .map((k): [string, number, number] => [k, a[k] ?? 0, b[k] ?? 0])
    .filter(([, x, y]) => x >= floor || y >= floor)
    .sort((p, q) => Math.abs(q[2] - q[1]) - Math.abs(p[2] - p[1]))
    .slice(0, limit);
}
