// The relay step: the upstream's answer goes to the agent, status and headers
// included, minus hop-by-hop and CORS headers and the upstream's cookies and
// authentication challenges (the proxy holds that session, not the agent).
// Success answers go byte for byte and are never buffered; error answers
// pass error-body.ts first, which redacts credentials they repeat. Event
// streams are flushed at once and tracked so shutdown can end them. Bytes are
// counted (and, for an audited tools/call, watched) on the way through.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../observability/logger.js';
import type { ProxyMetrics } from '../observability/metrics.js';
import { REQUEST_ID_HEADER } from '../observability/request-id.js';
import { relayRewritten } from './answer-rewrite.js';
import { relayErrorAnswer } from './error-body.js';
import type { ForwardedExchange } from './exchange.js';
import { isEventStream, serveHeartbeatStream } from './sse.js';
import { relayWithKeepalive } from './stream-keepalive.js';
import { RPC, requestIdOf, sendProxyError, type Redact } from './jsonrpc-error.js';
import { responseHeaders } from './strip.js';

/**
 * Registers a held stream of `server`: it counts as open until the response
 * closes. `standing` streams (GET streams, legacy SSE) carry no answer and end
 * at shutdown once the answers in progress are done; an SSE answer to a POST
 * is let finish. close() ends it.
 */
export type StreamTracker = (res: ServerResponse, server: string, close: () => void, standing: boolean) => void;

export interface RelayOptions {
  logger: Logger;
  metrics: ProxyMetrics;
  trackStream: StreamTracker;
  redact?: Redact;
  /** A 401 (or an expired-credential 403) the signer can refresh for: re-send once the refresh settles. */
  retryAfterRefresh(exchange: ForwardedExchange, req: IncomingMessage, res: ServerResponse, refreshing: Promise<void>): void;
}

export type Relay = (exchange: ForwardedExchange, req: IncomingMessage, res: ServerResponse, proxyRes: IncomingMessage) => void;

export function createRelay(options: RelayOptions): Relay {
  const { logger, metrics } = options;
  return function relay(exchange, req, res, proxyRes) {
    const status = proxyRes.statusCode ?? 502;
    const { upstream } = exchange;
    exchange.upstreamStatus = status;
    exchange.firstByteAt ??= performance.now();
    upstream.last = { at: Date.now(), status, latencyMs: Math.round(exchange.firstByteAt - exchange.startedAt) };
    if (res.destroyed) {
      proxyRes.destroy();
      return;
    }
    if (status === 401 && !exchange.retried) {
      const refreshing = upstream.signer?.refreshAfterUnauthorized?.(exchange.headers.authorization as string | undefined);
      if (refreshing) {
        proxyRes.resume();
        options.retryAfterRefresh(exchange, req, res, refreshing);
        return;
      }
    }
    if (exchange.retried && status < 400) upstream.signer?.acceptedAfterRefresh?.(exchange.headers.authorization as string | undefined);
    if (status === 403 && upstream.signer?.insufficientScope) {
      const challenge = proxyRes.headers['www-authenticate'];
      const scope = upstream.signer.insufficientScope(Array.isArray(challenge) ? challenge.join(', ') : challenge);
      if (scope) {
        // A step-up: the daemon cannot open the user's browser, so the agent is told the one command that grants it.
        proxyRes.resume();
        exchange.failure = 'insufficient-scope';
        metrics.credentialRejected(upstream.name, status);
        logger.warn('upstream wants more scope for this call', { requestId: exchange.requestId, server: upstream.name, scope, hint: `mcp-auth-proxy login ${upstream.name}` });
        sendProxyError(
          res,
          {
            status: 403,
            rpcCode: RPC.insufficientScope,
            code: 'INSUFFICIENT_SCOPE',
            server: upstream.name,
            message: `Upstream "${upstream.name}" needs more permission for this call (scope: ${scope})`,
            hint: `Run \`mcp-auth-proxy login ${upstream.name}\` to grant it (it asks for this scope too); the running proxy uses the new login at once`,
          },
          requestIdOf(exchange.body),
          { [REQUEST_ID_HEADER]: exchange.requestId },
          options.redact,
        );
        return;
      }
    }
    if (status === 405 && req.method === 'GET') {
      // The upstream has no server stream: agents that insist on one get heartbeats.
      proxyRes.resume();
      serveHeartbeatStream(res, upstream.heartbeatMs, { [REQUEST_ID_HEADER]: exchange.requestId });
      options.trackStream(res, upstream.name, () => res.end(), true);
      return;
    }
    const refused = status === 401 || status === 403;
    const headers = responseHeaders(proxyRes.headers);
    const theirs = headers[REQUEST_ID_HEADER];
    if (theirs !== undefined && theirs !== exchange.requestId) exchange.upstreamRequestId = String(theirs);
    headers[REQUEST_ID_HEADER] = exchange.requestId;
    if (exchange.sessions && exchange.principal && status < 400) {
      const session = headers['mcp-session-id'];
      if (typeof session === 'string') exchange.sessions.claimSession(upstream.name, session, exchange.principal);
    }
    if (refused) {
      metrics.credentialRejected(upstream.name, status);
      logger.warn('upstream refused the credential', {
        requestId: exchange.requestId,
        server: upstream.name,
        status,
        hint: `check the credential, then run \`mcp-auth-proxy login ${upstream.name}\``,
      });
    }
    const failed = status >= 400;
    // An answer the policy changes writes its own head (a JSON answer's length changes).
    const rewrite = failed ? undefined : exchange.rewrite;
    if (!failed && !rewrite) res.writeHead(status, proxyRes.statusMessage ?? '', headers);
    const eventStream = isEventStream(headers['content-type']);
    // An error answer, even one typed as a stream, goes out once redacted (below), not as a held stream.
    if (eventStream && !failed) {
      if (!rewrite) res.flushHeaders();
      options.trackStream(
        res,
        upstream.name,
        () => {
          proxyRes.destroy();
          res.end();
        },
        req.method === 'GET',
      );
    }
    // An upstream that dies mid-body must end the client's response too, not leave it hanging.
    proxyRes.on('close', () => {
      if (!proxyRes.complete && !res.destroyed) {
        exchange.failure ??= 'upstream-closed-early';
        metrics.upstreamError(upstream.name, 'closed-early');
        logger.warn('upstream closed the response early', { requestId: exchange.requestId, server: upstream.name });
        res.destroy();
      }
    });
    const watch = exchange.watchAnswer?.(headers['content-type']);
    if (failed) {
      const sent = credentialsSent(exchange);
      const retryInstead = status === 403 && !exchange.retried && upstream.signer?.refreshAfterForbidden ? expiredCredentialRetry(exchange, req, res, proxyRes, options) : undefined;
      relayErrorAnswer(proxyRes, res, { server: upstream.name, status, statusMessage: proxyRes.statusMessage ?? '', headers, sent, observe: observer(exchange, watch), ...(retryInstead ? { retryInstead } : {}) });
    } else if (rewrite) {
      const unreadable = (why: string) => {
        exchange.failure = 'answer-unreadable';
        logger.warn('an answer the policy filters could not be read; it is not passed on', { requestId: exchange.requestId, server: upstream.name, why });
        sendProxyError(res, { status: 502, rpcCode: RPC.upstreamUnreachable, code: 'ANSWER_UNREADABLE', server: upstream.name, message: `The answer of "${upstream.name}" could not be filtered by the policy: ${why}` }, requestIdOf(exchange.body), { [REQUEST_ID_HEADER]: exchange.requestId }, options.redact);
      };
      relayRewritten(rewrite, proxyRes, res, { status, statusMessage: proxyRes.statusMessage ?? '', headers, eventStream, observe: observer(exchange, watch), logger, requestId: exchange.requestId, unreadable });
    } else if (eventStream && upstream.config.streamKeepalive) relayWithKeepalive(proxyRes, res, upstream.heartbeatMs, observer(exchange, watch));
    else pump(proxyRes, res, exchange, watch);
  };
}

/** A 403 whose body says the credential expired (SigV4 `ExpiredToken`): the signer reads it again and the request goes once more. */
function expiredCredentialRetry(exchange: ForwardedExchange, req: IncomingMessage, res: ServerResponse, proxyRes: IncomingMessage, options: RelayOptions): (text: string) => boolean {
  return (text) => {
    const refreshing = exchange.upstream.signer?.refreshAfterForbidden?.(proxyRes.headers, text);
    if (!refreshing) return false;
    options.logger.info('upstream says the credential expired; reading it again and retrying once', { requestId: exchange.requestId, server: exchange.upstream.name });
    options.retryAfterRefresh(exchange, req, res, refreshing);
    return true;
  };
}

/** What sees each chunk on its way to the agent: the byte count, and the audit's tap when it watches. */
function observer(exchange: ForwardedExchange, watch: ((chunk: Buffer) => void) | undefined): (chunk: Buffer) => void {
  return watch
    ? (chunk) => {
        exchange.bytesOut += chunk.length;
        watch(chunk);
      }
    : (chunk) => {
        exchange.bytesOut += chunk.length;
      };
}

/** The values of the credential headers this request went out with. */
function credentialsSent(exchange: ForwardedExchange): string[] {
  const values: string[] = [];
  for (const name of exchange.upstream.credentialHeaders) {
    const value = exchange.headers[name];
    if (typeof value === 'string') values.push(value);
    else if (Array.isArray(value)) values.push(...value);
  }
  return values;
}

/**
 * Copies source to res chunk by chunk, pausing the source while res is slow;
 * each chunk is counted (and shown to the audit's tap) first. When a chunk
 * completes a body of known length (a small JSON answer is one chunk), it
 * goes out with end(): one write for headers and body and no separate end
 * step. The drain listener is added only once res first pushes back.
 */
function pump(source: IncomingMessage, res: ServerResponse, exchange: ForwardedExchange, watch: ((chunk: Buffer) => void) | undefined): void {
  const length = source.headers['content-length'];
  let remaining = length === undefined ? -1 : Number(length);
  let draining = false;
  source.on('data', (chunk: Buffer) => {
    exchange.bytesOut += chunk.length;
    if (watch) watch(chunk);
    if (remaining >= 0) {
      remaining -= chunk.length;
      if (remaining === 0) {
        res.end(chunk);
        return;
      }
    }
    if (!res.write(chunk)) {
      source.pause();
      if (!draining) {
        draining = true;
        res.on('drain', () => source.resume());
      }
    }
  });
  source.on('end', () => {
    if (!res.writableEnded) res.end();
  });
}
