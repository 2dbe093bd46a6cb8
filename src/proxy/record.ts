// What the proxy records when a request ends (its response closed): one
// access-log line, the request metrics, and with audit on one audit line per
// tools/call. Names come from Mcp-Method/Mcp-Name when the agent sent them
// (2026-07-28), else from the body; the audit always reads the body, since a
// header is only the agent's word for what the body says.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CALLER } from '../config/team-values.js';
import { accessLine, isoNow } from '../observability/access-line.js';
import type { AuditEntry, AuditLog } from '../observability/audit.js';
import type { InfoLineWriter } from '../observability/logger.js';
import type { ProxyMetrics } from '../observability/metrics.js';
import { batchMessages, isBatch, peekRpc, type RpcEnvelope, type RpcPeek } from '../observability/rpc-peek.js';
import type { createOutcomesTap, OutcomesTap, RpcId } from '../observability/tool-outcome.js';
import type { Exchange } from './exchange.js';
import { ownAnswerBytes } from './jsonrpc-error.js';
import type { AnyUpstream } from './upstreams.js';

/**
 * The opt-in audit: where lines go, and what watches an answer for a tool
 * call's outcome. Types only here: the modules themselves load when the
 * config turns the audit on (src/daemon/audit.ts).
 */
export interface Audit {
  log: AuditLog;
  outcomes: typeof createOutcomesTap;
}

export interface RecorderOptions {
  metrics: ProxyMetrics;
  /** The access log: one info line per request, built only when the level lets it through. */
  accessLog: InfoLineWriter;
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
  const { metrics, accessLog } = options;
  const audits = new WeakMap<Exchange, AuditedRequest>();

  /** The content type is known once the answer starts; the relay asks then. One tap reads the answer for all calls. */
  const watch = (exchange: Exchange, audit: Audit, audited: AuditedRequest, rpcIds?: RpcId[]) => {
    audits.set(exchange, audited);
    exchange.watchAnswer = (contentType) => {
      const tap = audit.outcomes({ contentType, ...(rpcIds ? { rpcIds } : {}) });
      audited.tap = tap;
      return (chunk) => tap.push(chunk);
    };
  };

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
      // A batch: the access line and metrics need only to know it is one. Its messages are walked by the audit
      // alone, after the answer and a slice at a time: a batch may hold tens of thousands of calls.
      if (isBatch(body)) {
        exchange.rpc = BATCH;
        if (audit) watch(exchange, audit, { log: audit.log, body });
        return;
      }
      const rpc = peekRpc(body);
      exchange.rpc = rpc;
      if (audit && rpc?.method === 'tools/call') watch(exchange, audit, { log: audit.log, body, call: rpc }, [rpc.id]);
    },

    end(exchange, res) {
      const now = performance.now();
      const status = res.statusCode;
      const rpc = exchange.rpc;
      const server = exchange.upstream?.name;
      const ttfb = exchange.firstByteAt === undefined ? undefined : exchange.firstByteAt - exchange.startedAt;
      const total = now - exchange.startedAt;
      const rpcMethod = rpc === undefined ? undefined : rpc.batch ? 'batch' : rpc.method;
      if (accessLog.enabled()) {
        // What the request is about: a resource (by uri), a prompt, or a tool.
        const uri = rpc?.uri;
        const name = uri === undefined ? rpc?.name : undefined;
        const prompt = name !== undefined && rpc?.method === 'prompts/get';
        const principal = exchange.principal;
        accessLog.write(
          accessLine(isoNow(), {
            requestId: exchange.requestId,
            server,
            method: exchange.method,
            path: exchange.path,
            rpcMethod: cut(rpcMethod),
            tool: prompt ? undefined : cut(name),
            resource: cut(uri),
            prompt: prompt ? cut(name) : undefined,
            status,
            upstreamStatus: exchange.upstreamStatus,
            ttfbMs: ttfb === undefined ? undefined : ms(ttfb),
            durationMs: ms(total),
            bytesIn: exchange.bytesIn,
            bytesOut: bytesOutOf(exchange, res),
            failure: exchange.failure ?? (res.writableFinished ? undefined : 'client-closed'),
            upstreamRequestId: exchange.upstreamRequestId,
            caller: principal?.user,
            callerMethod: principal?.method,
            keyId: principal?.keyId,
          }),
        );
      }
      metrics.request(server ?? '(none)', rpcMethod, status, ttfb === undefined ? undefined : ttfb / 1000, exchange.method === 'GET' ? undefined : total / 1000);
      const audited = audits.get(exchange);
      if (audited && exchange.upstream) recordAudit(audited, exchange, exchange.upstream, res, total);
      if (exchange.denied && exchange.upstream) {
        for (const call of exchange.denied) metrics.policyDenied(exchange.upstream.name, call.rule ?? 'default');
        recordDenied(options.audit(), exchange, exchange.upstream, total);
      }
    },
  };
}

/** What marks a batch on the exchange: its messages are not walked for the access line. */
const BATCH: RpcPeek = Object.freeze({ batch: [] });

/** Body bytes the agent received: relayed from the upstream, or of an answer the proxy wrote itself (an error, a local route). */
function bytesOutOf(exchange: Exchange, res: ServerResponse): number {
  return exchange.bytesOut > 0 ? exchange.bytesOut : ownAnswerBytes(res);
}

interface AuditedRequest {
  log: AuditLog;
  /** The request body, for the batch's messages and for arguments. */
  body: Buffer;
  /** The one tools/call of a single-message body; absent for a batch. */
  call?: RpcEnvelope;
  /** Watches the answer for the calls' ids; absent until the answer starts. */
  tap?: OutcomesTap;
}

/**
 * One audit line per tools/call. Nothing here walks the batch: the log pulls
 * entries from a generator a few milliseconds' worth per turn of the event
 * loop, and each step reads one message (its envelope, and its arguments
 * parsed from its own bytes when the log keeps them); its outcome is a lookup.
 */
function recordAudit(audited: AuditedRequest, exchange: Exchange, upstream: AnyUpstream, res: ServerResponse, totalMs: number): void {
  const { log, body, call } = audited;
  const status = exchange.upstreamStatus;
  const outcomeOf = audited.tap?.finish();
  // A failure of the whole exchange is every call's outcome; otherwise each call's own answer decides.
  const shared = exchange.failure
    ? exchange.failure
    : status === undefined
      ? 'no-answer'
      : status >= 400
        ? `http-${status}`
        : !res.writableFinished
          ? 'client-closed'
          : undefined;
  const base = {
    requestId: exchange.requestId,
    server: upstream.name,
    identity: identityOf(upstream, exchange.principal?.user),
    caller: exchange.principal?.user ?? 'local-user',
    ...(exchange.principal ? { callerMethod: exchange.principal.method, ...(exchange.principal.keyId ? { keyId: exchange.principal.keyId } : {}) } : {}),
    ...(status === undefined ? {} : { status }),
    durationMs: ms(totalMs),
  };
  const entry = (envelope: RpcEnvelope, start: number, end: number): AuditEntry => {
    const seen = shared === undefined ? outcomeOf?.(envelope.id) : undefined;
    return {
      ...base,
      tool: envelope.name ?? '',
      outcome: shared ?? seen?.outcome ?? 'unparsed',
      ...(seen?.rpcError ? { rpcError: seen.rpcError } : {}),
      ...(log.includeArguments ? { arguments: argumentsIn(body, start, end) } : {}),
    };
  };
  function* batchEntries(): Generator<AuditEntry | undefined, void, undefined> {
    for (const m of batchMessages(body)) yield m.envelope.method === 'tools/call' ? entry(m.envelope, m.start, m.end) : undefined;
  }
  log.recordAll(call ? [entry(call, 0, body.length)][Symbol.iterator]() : batchEntries());
}

/** One audit line per call the policy refused: outcome `denied`, and the rule that decided. */
function recordDenied(audit: Audit | undefined, exchange: Exchange, upstream: AnyUpstream, totalMs: number): void {
  if (!audit) return;
  for (const call of exchange.denied ?? []) {
    audit.log.record({
      requestId: exchange.requestId,
      server: upstream.name,
      [call.kind]: call.name,
      identity: identityOf(upstream, exchange.principal?.user),
      caller: exchange.principal?.user ?? 'local-user',
      ...(exchange.principal ? { callerMethod: exchange.principal.method, ...(exchange.principal.keyId ? { keyId: exchange.principal.keyId } : {}) } : {}),
      outcome: 'denied',
      rule: call.rule ?? 'default',
      durationMs: ms(totalMs),
    });
  }
}

/** Who the upstream sees acting: the act-as user (the caller, for "$caller"), or the key id; other schemes name themselves (a command server: "command"). */
export function identityOf(upstream: AnyUpstream, caller?: string): string {
  if (upstream.kind === 'command') return 'command';
  const auth = upstream.config.auth;
  if (auth.type === 'act-as') return auth.user === CALLER && caller !== undefined ? caller : auth.user;
  if (auth.type === 'hmac') return auth.keyId;
  return auth.type;
}

/** params.arguments of the message at [start, end) of the body. */
function argumentsIn(body: Buffer, start: number, end: number): unknown {
  try {
    return (JSON.parse(body.toString('utf8', start, end)) as { params?: { arguments?: unknown } } | null)?.params?.arguments;
  } catch {
    return undefined;
  }
}

function cut(text: string | undefined): string | undefined {
  return text !== undefined && text.length > MAX_NAME ? `${text.slice(0, MAX_NAME)}…` : text;
}

/** Milliseconds to the microsecond. */
function ms(value: number): number {
  return Math.round(value * 1000) / 1000;
}
