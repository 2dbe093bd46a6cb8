// The access-log line, written once for every request, so built for speed:
// concatenated in a fixed field order, with JSON.stringify only for the
// strings (an agent controls most of them) and fields left out when absent.
// The result is the same JSON line the logger (logger.ts) would write for these fields.

export interface AccessFields {
  requestId: string;
  server: string | undefined;
  method: string;
  path: string;
  rpcMethod: string | undefined;
  tool?: string | undefined;
  resource?: string | undefined;
  prompt?: string | undefined;
  status: number;
  upstreamStatus: number | undefined;
  ttfbMs: number | undefined;
  durationMs: number;
  bytesIn: number;
  bytesOut: number;
  failure: string | undefined;
  upstreamRequestId: string | undefined;
  /** Team mode: who the caller is (the verified email), how it proved it, and the API key id when it used one. */
  caller?: string | undefined;
  callerMethod?: string | undefined;
  keyId?: string | undefined;
}

/** Printable ASCII but `"` and `\\`: what JSON.stringify writes as it is. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON.stringify of a string; most (ids, paths, method and tool names) need no escape, and a test is cheaper than the call. */
function q(text: string): string {
  return PLAIN.test(text) ? `"${text}"` : JSON.stringify(text);
}

/** `{"level":"info","message":"request","timestamp":…,…}` without a newline. */
export function accessLine(timestamp: string, f: AccessFields): string {
  let line = `{"level":"info","message":"request","timestamp":"${timestamp}","requestId":${q(f.requestId)}`;
  if (f.server !== undefined) line += `,"server":${q(f.server)}`;
  line += `,"method":${q(f.method)},"path":${q(f.path)}`;
  if (f.rpcMethod !== undefined) line += `,"rpcMethod":${q(f.rpcMethod)}`;
  if (f.tool !== undefined) line += `,"tool":${q(f.tool)}`;
  if (f.resource !== undefined) line += `,"resource":${q(f.resource)}`;
  if (f.prompt !== undefined) line += `,"prompt":${q(f.prompt)}`;
  line += `,"status":${f.status}`;
  if (f.upstreamStatus !== undefined) line += `,"upstreamStatus":${f.upstreamStatus}`;
  if (f.ttfbMs !== undefined) line += `,"ttfbMs":${f.ttfbMs}`;
  line += `,"durationMs":${f.durationMs},"bytesIn":${f.bytesIn},"bytesOut":${f.bytesOut}`;
  if (f.failure !== undefined) line += `,"failure":${q(f.failure)}`;
  if (f.upstreamRequestId !== undefined) line += `,"upstreamRequestId":${q(f.upstreamRequestId)}`;
  if (f.caller !== undefined) line += `,"caller":${q(f.caller)},"callerMethod":${q(f.callerMethod ?? '')}`;
  if (f.keyId !== undefined) line += `,"keyId":${q(f.keyId)}`;
  return `${line}}`;
}

let second = -1;
let prefix = '';
/**
 * new Date().toISOString(), cheaply: the date and time to the second are
 * formatted once a second, the milliseconds appended per call.
 */
export function isoNow(now = Date.now()): string {
  const s = Math.floor(now / 1000);
  if (s !== second) {
    second = s;
    prefix = new Date(s * 1000).toISOString().slice(0, 20);
  }
  const ms = now - s * 1000;
  return `${prefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}
