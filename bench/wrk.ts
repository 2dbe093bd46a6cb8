// The JSON-RPC load generator when wrk is installed: wrk is C on epoll and takes a fraction of a core, so the target,
// not the client, sets the pace on a small machine (autocannon, a Node client, takes a core of its own). A Lua script
// sends the POST and checks every answer: status 200 and exactly the expected body, else it counts as a failure.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WrkInput {
  url: string;
  headers: Record<string, string>;
  body: string;
  expectBody: string;
  connections: number;
  seconds: number;
}

export interface WrkRun {
  rps: number;
  /** Answers received in all (good or not). */
  requests: number;
  /** Non-200, wrong body, socket errors and timeouts. */
  failures: number;
  /** Latency of every request, as wrk measures it (send to last byte), in ms. */
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

let version: string | null | undefined;

/** `wrk x.y.z` when wrk is on the PATH, else null (the bench then uses autocannon). */
export function wrkVersion(): string | null {
  if (version !== undefined) return version;
  try {
    // wrk prints its version on the first line of its usage text.
    const out = execFileSync('wrk', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    version = /^wrk (\S+)/.exec(out)?.[0] ?? 'wrk';
  } catch (error) {
    const out = String((error as { stdout?: unknown }).stdout ?? '');
    version = /^wrk (\S+)/.exec(out)?.[0] ?? null;
  }
  return version;
}

/** A Lua string literal for any text: printable ASCII as is, every other byte as a three-digit decimal escape (a digit after a shorter one would join it). */
export function luaString(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    out += byte >= 0x20 && byte < 0x7f && byte !== 0x22 && byte !== 0x5c ? String.fromCharCode(byte) : `\\${String(byte).padStart(3, '0')}`;
  }
  return `${out}"`;
}

function script(input: WrkInput): string {
  const headers = Object.entries(input.headers).map(([name, value]) => `wrk.headers[${luaString(name)}] = ${luaString(value)}`);
  return `wrk.method = "POST"
wrk.body = ${luaString(input.body)}
${headers.join('\n')}
local expected = ${luaString(input.expectBody)}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) wrong = 0 end
function response(status, headers, body)
  if status ~= 200 or body ~= expected then wrong = wrong + 1 end
end
function done(summary, latency, requests)
  local wrongs = 0
  for _, t in ipairs(threads) do wrongs = wrongs + t:get("wrong") end
  local e = summary.errors
  io.write(string.format('WRK_RESULT {"requests":%d,"durationUs":%d,"wrong":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50Us":%d,"p99Us":%d,"meanUs":%.3f}\\n',
    summary.requests, summary.duration, wrongs, e.connect, e.read, e.write, e.timeout, latency:percentile(50), latency:percentile(99), latency.mean))
end
`;
}

interface WrkResult {
  requests: number;
  durationUs: number;
  wrong: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
}

/** One wrk run: one thread (the machine's other core stays with the target and the upstream). */
export async function runWrk(input: WrkInput): Promise<WrkRun> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-auth-proxy-wrk-'));
  const file = join(dir, 'post.lua');
  writeFileSync(file, script(input));
  try {
    const args = ['-t1', `-c${input.connections}`, `-d${input.seconds}s`, '--timeout', '15s', '-s', file, input.url];
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('wrk', args, { encoding: 'utf8', maxBuffer: 1 << 20 }, (error, out, err) => (error ? reject(new Error(`wrk ${args.join(' ')}: ${error.message}\n${err}`)) : resolve(out)));
    });
    const line = /^WRK_RESULT (.*)$/m.exec(stdout)?.[1];
    if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
    const r = JSON.parse(line) as WrkResult;
    // A socket error or timeout is an answer that never came; wrong counts every answer that came but was not right.
    const failures = r.wrong + r.connect + r.read + r.write + r.timeout;
    return { rps: r.requests / (r.durationUs / 1e6), requests: r.requests, failures, p50Ms: r.p50Us / 1000, p99Ms: r.p99Us / 1000, meanMs: r.meanUs / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
