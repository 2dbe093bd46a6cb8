// What the proxy records when a request ends (its response closed): one
// access-log line, the request metrics, and with audit on one audit line per
// tools/call. Names come from Mcp-Method/Mcp-Name when the agent sent them
// (2026-07-28), else from the body; the audit always reads the body, since a
// header is only the agent's word for what the body says.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { accessLine, isoNow } from '../observability/access-line.js';
import type { AuditLog } from '../observability/audit.js';
import type { ProxyMetrics } from '../observability/metrics.js';
import { peekRpc, type RpcEnvelope } from '../observability/rpc-peek.js';
import type { createOutcomeTap, OutcomeTap } from '../observability/tool-outcome.js';
import type { Exchange } from './exchange.js';
import { ownAnswerBytes } from './jsonrpc-error.js';
import type { Upstream } from './upstreams.js';

/**
 * The opt-in audit: where lines go, and what watches an answer for a tool
 * call's outcome. Types only here: the modules themselves load when the
 * config turns the audit on (src/daemon/audit.ts).
 */
export interface Audit {
  log: AuditLog;
  outcomeTap: typeof createOutcomeTap;
}

export interface RecorderOptions {
  metrics: ProxyMetrics;
  /** The access log: one info line per request, built only when the level lets it through. */
  accessLine: (line: () => string) => void;
  /** Read at each request: a reload can turn the audit on or off. */
  audit: () => Audit | undefined;
}

export interface Recorder {
  /** Reads the JSON-RPC envelope of a request body (and starts watching audited tool calls). */
  inspect(exchange: Exchange, req: IncomingMessage, body: Buffer): void;
  /** Records the finished request. */
  end(exchange: Exchange, res: ServerResponse): void;
}

/** Names longer than this are cut in log lines: a log line is no place for a megabyte. */
const MAX_NAME = 200;

export function createRecorder(options: RecorderOptions): Recorder {
  const { metrics } = options;
  const audits = new WeakMap<Exchange, AuditedCalls>();

  return {
    inspect(exchange, req, body) {
      const audit = options.audit();
      const header = req.headers['mcp-method'];
      if (typeof header === 'string' && audit === undefined) {
        const name = req.headers['mcp-name'];
        exchange.rpc = { method: header, ...(typeof name === 'string' ? (header.startsWith('resources/') ? { uri: name } : { name }) : {}) };
        return;
      }
      if (body.length === 0) return;
      const rpc = peekRpc(body);
      exchange.rpc = rpc;
      if (!audit || !rpc) return;
      const calls = (rpc.batch ?? [rpc]).filter((m) => m.method === 'tools/call');
      if (calls.length === 0) return;
      const entry: AuditedCalls = { log: audit.log, calls, taps: [] };
      audits.set(exchange, entry);
      // The content type is known once the answer starts; the relay asks then.
      exchange.watchAnswer = (contentType) => {
        entry.taps = calls.map((call) => audit.outcomeTap({ contentType, rpcId: call.id }));
        return (chunk) => {
          for (const tap of entry.taps) tap.push(chunk);
        };
      };
    },

    end(exchange, res) {
      const now = performance.now();
      const status = res.statusCode;
      const rpc = exchange.rpc;
      const server = exchange.upstream?.name;
      const ttfb = exchange.firstByteAt === undefined ? undefined : exchange.firstByteAt - exchange.startedAt;
      const total = now - exchange.startedAt;
      const rpcMethod = rpc?.batch ? 'batch' : rpc?.method;
      options.accessLine(() =>
        accessLine(isoNow(), {
          requestId: exchange.requestId,
          server,
          method: exchange.method,
          path: exchange.path,
          rpcMethod: cut(rpcMethod),
          ...targetOf(rpc),
          status,
          upstreamStatus: exchange.upstreamStatus,
          ttfbMs: ttfb === undefined ? undefined : ms(ttfb),
          durationMs: ms(total),
          bytesIn: exchange.bytesIn,
          bytesOut: bytesOutOf(exchange, res),
          failure: exchange.failure ?? (res.writableFinished ? undefined : 'client-closed'),
          upstreamRequestId: exchange.upstreamRequestId,
        }),
      );
      metrics.request(server ?? '(none)', rpcMethod, status, ttfb === undefined ? undefined : ttfb / 1000, exchange.method === 'GET' ? undefined : total / 1000);
      const audited = audits.get(exchange);
      if (audited && exchange.upstream) recordAudit(audited, exchange, exchange.upstream, res, total);
    },
  };
}

/** Body bytes the agent received: relayed from the upstream, or of an answer the proxy wrote itself (an error, a local route). */
function bytesOutOf(exchange: Exchange, res: ServerResponse): number {
  return exchange.bytesOut > 0 ? exchange.bytesOut : ownAnswerBytes(res);
}

interface AuditedCalls {
  log: AuditLog;
  calls: RpcEnvelope[];
  /** One per call, watching the answer for its id; empty until the answer starts. */
  taps: OutcomeTap[];
}

function recordAudit(audited: AuditedCalls, exchange: Exchange, upstream: Upstream, res: ServerResponse, totalMs: number): void {
  const { log, calls, taps } = audited;
  const status = exchange.upstreamStatus;
  const messages = log.includeArguments ? parsedMessages(exchange.body) : [];
  calls.forEach((call, index) => {
    const seen = taps[index]?.finish();
    const outcome = exchange.failure
      ? exchange.failure
      : status === undefined
        ? 'no-answer'
        : status >= 400
          ? `http-${status}`
          : !res.writableFinished
            ? 'client-closed'
            : (seen?.outcome ?? 'unparsed');
    log.record({
      requestId: exchange.requestId,
      server: upstream.name,
      tool: call.name ?? '',
      identity: identityOf(upstream),
      caller: 'local-user',
      outcome,
      ...(status === undefined ? {} : { status }),
      ...(seen?.rpcError ? { rpcError: seen.rpcError } : {}),
      durationMs: ms(totalMs),
      ...(log.includeArguments ? { arguments: argumentsOf(messages, call) } : {}),
    });
  });
}

/** Who the upstream sees acting: the act-as user, or the key id; other schemes name themselves. */
export function identityOf(upstream: Upstream): string {
  const auth = upstream.config.auth;
  if (auth.type === 'act-as') return auth.user;
  if (auth.type === 'hmac') return auth.keyId;
  return auth.type;
}

/** The request body's JSON-RPC messages, parsed only when the audit keeps arguments. */
function parsedMessages(body: Buffer | undefined): unknown[] {
  if (!body) return [];
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return [];
  }
}

function argumentsOf(messages: unknown[], call: RpcEnvelope): unknown {
  const match = messages.find((m) => typeof m === 'object' && m !== null && (m as { id?: unknown }).id === call.id) as { params?: { arguments?: unknown } } | undefined;
  return match?.params?.arguments;
}

/** What the request is about, for the access line: a resource (by uri), a prompt, or a tool. */
function targetOf(rpc: RpcEnvelope | undefined): { tool?: string; resource?: string; prompt?: string } {
  if (rpc?.uri !== undefined) return { resource: cut(rpc.uri) };
  if (rpc?.name === undefined) return {};
  return rpc.method === 'prompts/get' ? { prompt: cut(rpc.name) } : { tool: cut(rpc.name) };
}

function cut(text: string | undefined): string | undefined {
  return text !== undefined && text.length > MAX_NAME ? `${text.slice(0, MAX_NAME)}…` : text;
}

/** Milliseconds to the microsecond. */
function ms(value: number): number {
  return Math.round(value * 1000) / 1000;
}
