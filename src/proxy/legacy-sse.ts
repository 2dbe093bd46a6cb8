// Legacy HTTP+SSE upstreams (the 2024-11-05 transport): the agent opens
// /{server}/sse here, the proxy opens the upstream's SSE stream (signed),
// parses it with eventsource-parser and rewrites the `endpoint` event to a
// local /{server}/messages?session=... URL, so the agent never learns the
// upstream origin; its POSTs there are mapped back to the upstream message
// URL and signed like any other request. With a policy, its list answers
// are filtered on the stream and refused calls answered there.
import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { LOCAL_USER, signedNow } from '../auth/scheme.js';
import { asRefusal, refusalError } from './refusal.js';
import type { Logger } from '../observability/logger.js';
import { REQUEST_ID_HEADER } from '../observability/request-id.js';
import { pathProblem } from './confine.js';
import { relayErrorAnswer } from './error-body.js';
import type { AnswerRewrite } from './answer-rewrite.js';
import type { Exchange } from './exchange.js';
import { filterJson, type ListSpec, type RpcId } from './list-filter.js';
import { RPC, sendProxyError, type ProxyErrorBody, type Redact } from './jsonrpc-error.js';
import { KEEPALIVE, SSE_HEADERS, isEventStream } from './sse.js';
import type { StreamTracker } from './relay.js';
import { responseHeaders } from './strip.js';
import type { Upstream } from './upstreams.js';

/**
 * A cap on one event's buffered size, so a stream that never ends its event
 * cannot grow memory without bound; generous, since one event can carry a
 * whole tool result.
 */
const MAX_EVENT_CHARS = 16 * 1024 * 1024;

export interface LegacySseOptions {
  logger: Logger;
  trackStream: StreamTracker;
  /** Takes known secret values out of the answers the proxy writes itself. */
  redact?: Redact;
}

/** What the policy left for a legacy stream: list answers to filter, and a way to put the proxy's own answers on it. */
interface StreamPolicy {
  lists: Map<RpcId, ListSpec>;
  keep: ((name: string) => boolean) | undefined;
  /** Writes an event to the agent's stream (set once the stream is relayed). */
  write: ((text: string) => void) | undefined;
}

/** Filtered list requests one stream waits on at most (an upstream that never answers them cannot grow it). */
const MAX_PENDING_LISTS = 1_000;

export interface LegacySse {
  /** Serves the agent's GET /{server}/sse; `prefix` is the local path before /sse ("" or "/name"). */
  open(req: IncomingMessage, res: ServerResponse, upstream: Upstream, prefix: string, exchange: Exchange): void;
  /** The upstream message URL behind a session token, if the stream that issued it is still open (and, in team mode, was opened by `caller`). */
  target(token: string | null, upstream: Upstream, caller?: string): URL | undefined;
  /**
   * The policy's part in a message sent to the stream behind `token`: the
   * answers of its list requests are filtered on the stream, and the errors
   * of calls refused here are written to it. False when the stream is gone.
   */
  expect(token: string | null, rewrite: AnswerRewrite): boolean;
}

export function createLegacySse(options: LegacySseOptions): LegacySse {
  const { logger } = options;
  const answerError = (res: ServerResponse, error: ProxyErrorBody, id?: unknown, headers?: Record<string, string>) => sendProxyError(res, error, id, headers, options.redact);
  const sessions = new Map<string, { upstream: string; url: URL; owner: string | undefined; policy: StreamPolicy }>();

  function open(req: IncomingMessage, res: ServerResponse, upstream: Upstream, prefix: string, exchange: Exchange): void {
    if (!upstream.signer) return;
    const startedAt = Date.now();
    const { requestId } = exchange;
    const idHeader = { [REQUEST_ID_HEADER]: requestId };
    const lastEventId = req.headers['last-event-id'];
    const tokens: string[] = [];
    const policy: StreamPolicy = { lists: new Map(), keep: undefined, write: undefined };
    let request: http.ClientRequest | undefined;
    res.once('close', () => {
      request?.destroy();
      for (const token of tokens) sessions.delete(token);
    });
    connect(false);

    /** Opens the upstream stream, signed; a 401 to an OAuth token is refreshed and retried once, as on every route. */
    function connect(retried: boolean): void {
      const signer = upstream.signer;
      if (!signer || res.destroyed) return;
      const headers: Record<string, string> = {
        ...upstream.staticHeaders,
        accept: 'text/event-stream',
        [REQUEST_ID_HEADER]: requestId,
        ...(typeof lastEventId === 'string' ? { 'last-event-id': lastEventId } : {}),
      };
      let signed: ReturnType<typeof signer.sign>;
      try {
        signed = signer.sign({ method: 'GET', url: upstream.base, headers, identity: exchange.principal ?? LOCAL_USER, ...(signer.needsBody ? { body: Buffer.alloc(0) } : {}) });
      } catch (error) {
        const refusal = asRefusal(error);
        if (!refusal) throw error;
        exchange.failure = 'caller-refused';
        return answerError(res, refusalError(refusal, upstream.name), null, idHeader);
      }
      if (signedNow(signed)) return open(Object.assign(headers, signed), retried);
      signed.then(
        (later) => open(Object.assign(headers, later), retried),
        (error: unknown) => noCredential('cannot-sign', `mcp-auth-proxy cannot sign for "${upstream.name}"`, error),
      );
    }

    /** 503 naming the fix: the stream cannot be opened with a usable credential. */
    function noCredential(failure: string, what: string, error: unknown): void {
      exchange.failure = failure;
      answerError(res, {
        status: 503,
        rpcCode: RPC.noCredential,
        code: (error as { code?: string }).code ?? 'CREDENTIAL_UNAVAILABLE',
        server: upstream.name,
        message: `${what}: ${(error as Error).message}`,
        hint: (error as { hint?: string }).hint ?? `Run \`mcp-auth-proxy login ${upstream.name}\``,
      }, null, idHeader);
    }

    function open(headers: Record<string, string>, retried: boolean): void {
      const signer = upstream.signer;
      if (!signer || res.destroyed) return;
      const client = upstream.base.protocol === 'https:' ? https : http;
      const sent = client.request(upstream.base, { method: 'GET', headers, agent: upstream.agent });
      request = sent;
      const timer = setTimeout(() => sent.destroy(Object.assign(new Error(`no response headers within ${upstream.timeoutMs} ms`), { code: 'UPSTREAM_TIMEOUT' })), upstream.timeoutMs);
      timer.unref();
      sent.once('close', () => clearTimeout(timer));
      sent.on('response', (answer) => {
        clearTimeout(timer);
        const refreshing = answer.statusCode === 401 && !retried ? signer.refreshAfterUnauthorized?.(headers.authorization) : null;
        if (!refreshing) {
          if (retried && (answer.statusCode ?? 500) < 400) signer.acceptedAfterRefresh?.(headers.authorization);
          return relayAnswer(sent, answer, headers);
        }
        answer.resume();
        logger.info('legacy SSE upstream refused the token; refreshing it once', { requestId, server: upstream.name });
        refreshing.then(
          () => connect(true),
          (error: unknown) => noCredential('refresh-failed', `Upstream "${upstream.name}" refused the token and it could not be refreshed`, error),
        );
      });
      sent.on('error', (error: NodeJS.ErrnoException) => failed(error));
      sent.end();
    }

    /** `headers`: what was sent, so an error answer that repeats a credential has it redacted. */
    function relayAnswer(request: http.ClientRequest, answer: IncomingMessage, headers: Record<string, string>): void {
      const status = answer.statusCode ?? 502;
      exchange.upstreamStatus = status;
      exchange.firstByteAt = performance.now();
      upstream.last = { at: Date.now(), status, latencyMs: Date.now() - startedAt };
      if (status >= 300 && status < 400) {
        // Following it would leave the signed origin; relaying it would reveal the upstream.
        answer.resume();
        exchange.failure = 'upstream-redirect';
        logger.warn('legacy SSE upstream answered with a redirect; not followed', { requestId, server: upstream.name, status });
        answerError(res, {
          status: 502,
          rpcCode: RPC.upstreamUnreachable,
          code: 'UPSTREAM_REDIRECT',
          server: upstream.name,
          message: `Upstream "${upstream.name}" redirected the SSE stream (HTTP ${status}); redirects are not followed`,
          hint: `Set servers.${upstream.name}.url to the address it redirects to`,
        }, null, idHeader);
        return;
      }
      if (status !== 200 || !isEventStream(answer.headers['content-type'])) {
        // Not a stream: relay it as on every route (an error answer with the credentials it repeats redacted).
        const answerHeaders = { ...responseHeaders(answer.headers), ...idHeader };
        const observe = (chunk: Buffer) => {
          exchange.bytesOut += chunk.length;
        };
        if (status >= 400) {
          const sent = upstream.credentialHeaders.flatMap((name) => headers[name] ?? []);
          return relayErrorAnswer(answer, res, { server: upstream.name, status, statusMessage: answer.statusMessage ?? '', headers: answerHeaders, sent, observe });
        }
        res.writeHead(status, answerHeaders);
        answer.on('data', observe);
        answer.pipe(res);
        return;
      }
      res.writeHead(200, { ...SSE_HEADERS, ...idHeader });
      res.flushHeaders();
      options.trackStream(
        res,
        upstream.name,
        () => {
          request.destroy();
          res.end();
        },
        true,
      );
      let closed = false;
      const heartbeat = upstream.config.streamKeepalive
        ? setInterval(() => {
            if (!res.writableEnded && !res.writableNeedDrain) res.write(KEEPALIVE);
          }, upstream.heartbeatMs)
        : undefined;
      heartbeat?.unref();
      const stop = () => {
        closed = true;
        clearInterval(heartbeat);
      };
      res.once('close', stop);
      const write = (text: string) => {
        if (closed || res.writableEnded) return;
        heartbeat?.refresh();
        if (!res.write(text) && !answer.isPaused()) {
          answer.pause();
          res.once('drain', () => answer.resume());
        }
      };
      const fail = (reason: string) => {
        exchange.failure = 'stream-refused';
        logger.warn(`${reason}; closing the legacy SSE stream`, { requestId, server: upstream.name });
        stop();
        request.destroy();
        answer.destroy();
        res.destroy();
      };
      policy.write = write;
      const parser = createParser({
        maxBufferSize: MAX_EVENT_CHARS,
        onEvent: (event) => {
          if (event.event !== 'endpoint') return write(serialize(policy.lists.size > 0 ? filtered(event, policy) : event));
          const url = messageUrl(event.data, upstream);
          if (!url) return fail('the upstream named a message endpoint on another origin, or with a path that could leave it');
          // A new endpoint replaces the old one: earlier tokens of this stream stop working.
          for (const old of tokens.splice(0)) sessions.delete(old);
          const token = randomBytes(16).toString('hex');
          sessions.set(token, { upstream: upstream.name, url, owner: exchange.principal?.user, policy });
          tokens.push(token);
          write(serialize({ ...event, data: `${prefix}/messages?session=${token}` }));
        },
        onComment: (comment) => write(`:${comment}\n\n`),
        onRetry: (ms) => write(`retry: ${ms}\n\n`),
        onError: (error) => {
          // Unknown fields and bad retry values are ignored, as the SSE spec says; only an event past the cap is fatal.
          if (error.type === 'max-buffer-size-exceeded') fail(`an event grew past ${MAX_EVENT_CHARS} characters`);
        },
      });
      answer.setEncoding('utf8');
      answer.on('data', (chunk: string) => {
        exchange.bytesOut += Buffer.byteLength(chunk);
        if (!closed) parser.feed(chunk);
      });
      answer.once('end', () => {
        stop();
        if (!res.writableEnded) res.end();
      });
      answer.once('close', () => {
        if (!answer.complete && !res.destroyed) res.destroy();
      });
    }

    function failed(error: NodeJS.ErrnoException): void {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      const timedOut = error.code === 'UPSTREAM_TIMEOUT';
      exchange.failure = timedOut ? 'timeout' : 'unreachable';
      upstream.last = { at: Date.now(), error: error.code ?? 'ERROR', latencyMs: Date.now() - startedAt };
      logger.warn(timedOut ? 'upstream timed out' : 'upstream unreachable', { requestId, server: upstream.name, code: error.code, error: error.message });
      answerError(res, {
        status: timedOut ? 504 : 502,
        rpcCode: timedOut ? RPC.upstreamTimeout : RPC.upstreamUnreachable,
        code: timedOut ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNREACHABLE',
        server: upstream.name,
        message: timedOut ? `Upstream "${upstream.name}" did not answer within ${upstream.timeoutMs} ms` : `Upstream "${upstream.name}" is unreachable (${error.code ?? error.message})`,
        hint: 'Run `mcp-auth-proxy doctor` to check DNS, TCP and TLS to it',
      }, null, idHeader);
    }
  }

  return {
    open,
    target(token, upstream, caller) {
      const session = token ? sessions.get(token) : undefined;
      // After a reload the server may point elsewhere: a session is only good for the origin that issued it.
      // In team mode, only for the caller whose stream it is: anyone else is told it does not exist.
      return session && session.upstream === upstream.name && session.url.origin === upstream.base.origin && session.owner === caller ? session.url : undefined;
    },
    expect(token, rewrite) {
      const policy = token ? sessions.get(token)?.policy : undefined;
      if (!policy?.write) return false;
      if (rewrite.filter) {
        for (const [id, spec] of rewrite.filter.lists) if (policy.lists.size < MAX_PENDING_LISTS) policy.lists.set(id, spec);
        policy.keep = rewrite.filter.keep;
      }
      for (const error of rewrite.denied ?? []) policy.write(serialize({ event: 'message', data: error.toString('utf8'), id: undefined }));
      return true;
    },
  };
}

/** A message event with the lists it answers filtered (the rest of its data as it came). */
function filtered(event: EventSourceMessage, policy: StreamPolicy): EventSourceMessage {
  const { body, answered } = filterJson(Buffer.from(event.data, 'utf8'), { lists: policy.lists, keep: policy.keep ?? (() => false) });
  for (const id of answered) policy.lists.delete(id);
  return answered.length === 0 ? event : { ...event, data: body.toString('utf8') };
}

/**
 * The upstream's message endpoint, only on the upstream's own origin and
 * with a path that passes the same check as every forwarded path (confine.ts):
 * signed POSTs never go elsewhere, and the path signed is the path sent.
 */
function messageUrl(data: string, upstream: Upstream): URL | undefined {
  try {
    const url = new URL(data.trim(), upstream.base);
    return url.origin === upstream.base.origin && pathProblem(url.pathname) === undefined ? url : undefined;
  } catch {
    return undefined;
  }
}

function serialize(event: EventSourceMessage): string {
  let text = '';
  if (event.id !== undefined) text += `id: ${event.id}\n`;
  if (event.event !== undefined) text += `event: ${event.event}\n`;
  for (const line of event.data.split('\n')) text += `data: ${line}\n`;
  return `${text}\n`;
}
