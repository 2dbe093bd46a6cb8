// One request's state, from the guard to the last byte: what the forward and
// relay steps need (target, headers, held body, retry flags) and what the
// access log, metrics and audit record when it ends. Times are
// performance.now() milliseconds. A class with every field set from the
// start: each request's exchange has the same shape from birth, so the steps
// that read it stay monomorphic and no field is added later.
import type { ClientRequest, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Principal } from '../identity/principal.js';
import type { AnswerRewrite } from './answer-rewrite.js';
import type { TeamAccess } from './identify.js';
import type { DeniedCall } from './policy-step.js';
import type { RpcPeek } from '../observability/rpc-peek.js';
import type { AnyUpstream, Upstream } from './upstreams.js';

export class Exchange {
  /** Set once the route names a server. */
  upstream: AnyUpstream | undefined = undefined;
  /** Team mode: the caller the identity step verified (local mode: unset, the local user). */
  principal: Principal | undefined = undefined;
  /** Team mode: where the relay records that the caller owns the MCP session the upstream just issued. */
  sessions: Pick<TeamAccess, 'claimSession'> | undefined = undefined;
  rpc: RpcPeek | undefined = undefined;
  /** Body bytes received from the agent. */
  bytesIn = 0;
  /** Body bytes relayed to the agent. */
  bytesOut = 0;
  /** When the upstream's response headers arrived. */
  firstByteAt: number | undefined = undefined;
  upstreamStatus: number | undefined = undefined;
  /** The upstream's own X-Request-Id, when it differs from ours. */
  upstreamRequestId: string | undefined = undefined;
  /** Why the proxy answered itself, when it did (timeout, unreachable...). */
  failure: string | undefined = undefined;
  /** Set by the policy step: how the answer changes on its way to the agent (a list filtered, refused calls' errors joined). */
  rewrite: AnswerRewrite | undefined = undefined;
  /** Calls the policy refused, for the audit. */
  denied: DeniedCall[] | undefined = undefined;
  /** For an audited tools/call: called as the answer starts, returns what sees each chunk of it. */
  watchAnswer: ((contentType: string | undefined) => (chunk: Buffer) => void) | undefined = undefined;

  // Forwarding state.
  target: URL | undefined = undefined;
  headers: OutgoingHttpHeaders | undefined = undefined;
  body: Buffer | undefined = undefined;
  proxyReq: ClientRequest | undefined = undefined;
  /** The bounded wait for the upstream's response headers, while it runs (deadlines.ts). */
  wait: { cancel(): void } | undefined = undefined;
  timedOut = false;
  /** Set once the request was re-sent after a credential refresh; never twice. */
  retried = false;
  /** Set once the request was re-sent on a fresh connection after a connection failure; never twice. */
  reconnected = false;
  /** The upstream socket's bytesRead when this attempt got it: unchanged means no response byte came back. */
  readAtSend: number | undefined = undefined;

  constructor(
    /** The agent's request and the answer to it. */
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly requestId: string,
    /** HTTP method and path (no query) as the agent sent them. */
    readonly method: string,
    readonly path: string,
    readonly startedAt: number,
  ) {}
}

/** The exchange once forward has what it needs. */
export type ForwardedExchange = Exchange & { upstream: Upstream; target: URL; headers: OutgoingHttpHeaders };
