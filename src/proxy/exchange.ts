// One request's state, from the guard to the last byte: what the forward and
// relay steps need (target, headers, held body, retry flags) and what the
// access log, metrics and audit record when it ends. Times are
// performance.now() milliseconds.
import type { ClientRequest, OutgoingHttpHeaders } from 'node:http';
import type { Principal } from '../identity/principal.js';
import type { AnswerRewrite } from './answer-rewrite.js';
import type { TeamAccess } from './identify.js';
import type { DeniedCall } from './policy-step.js';
import type { RpcPeek } from '../observability/rpc-peek.js';
import type { Upstream } from './upstreams.js';

export interface Exchange {
  requestId: string;
  /** HTTP method and path (no query) as the agent sent them. */
  method: string;
  path: string;
  startedAt: number;
  /** Set once the route names a server. */
  upstream?: Upstream;
  /** Team mode: the caller the identity step verified (local mode: unset, the local user). */
  principal?: Principal;
  /** Team mode: where the relay records that the caller owns the MCP session the upstream just issued. */
  sessions?: Pick<TeamAccess, 'claimSession'>;
  rpc?: RpcPeek;
  /** Body bytes received from the agent. */
  bytesIn: number;
  /** Body bytes relayed to the agent. */
  bytesOut: number;
  /** When the upstream's response headers arrived. */
  firstByteAt?: number;
  upstreamStatus?: number;
  /** The upstream's own X-Request-Id, when it differs from ours. */
  upstreamRequestId?: string;
  /** Why the proxy answered itself, when it did (timeout, unreachable...). */
  failure?: string;
  /** Set by the policy step: how the answer changes on its way to the agent (a list filtered, refused calls' errors joined). */
  rewrite?: AnswerRewrite;
  /** Calls the policy refused, for the audit. */
  denied?: DeniedCall[];
  /** For an audited tools/call: called as the answer starts, returns what sees each chunk of it. */
  watchAnswer?: (contentType: string | undefined) => (chunk: Buffer) => void;

  // Forwarding state.
  target?: URL;
  headers?: OutgoingHttpHeaders;
  body?: Buffer;
  proxyReq?: ClientRequest;
  timer?: NodeJS.Timeout;
  timedOut?: boolean;
  /** Set once the request was re-sent after a credential refresh; never twice. */
  retried?: boolean;
  /** Set once the request was re-sent on a fresh connection after a connection failure; never twice. */
  reconnected?: boolean;
  /** The upstream socket's bytesRead when this attempt got it: unchanged means no response byte came back. */
  readAtSend?: number;
}

/** The exchange once forward has what it needs. */
export type ForwardedExchange = Exchange & { upstream: Upstream; target: URL; headers: OutgoingHttpHeaders };
