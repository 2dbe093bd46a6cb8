// What a spent rate limit answers: HTTP 429 with Retry-After and JSON-RPC
// error -32029 (apart from rate-limits.ts, so the handler does not load the
// rate limiter where no limit is configured).
import { RPC, type ProxyErrorBody } from '../proxy/jsonrpc-error.js';

export type LimitScope = 'caller' | 'callerTool' | 'server';

export interface RateLimitRefusal {
  scope: LimitScope;
  limit: string;
  retryAfterSeconds: number;
}

/** The answer to a request a spent limit refused: HTTP 429 (with Retry-After) and JSON-RPC error -32029. */
export function rateLimitError(refusal: RateLimitRefusal, server: string): ProxyErrorBody {
  const what = refusal.scope === 'caller' ? 'your requests' : refusal.scope === 'callerTool' ? 'your calls to this tool' : `all requests to "${server}"`;
  return {
    status: 429,
    rpcCode: RPC.rateLimited,
    code: 'RATE_LIMITED',
    server,
    message: `Rate limit reached for ${what} (${refusal.limit}); try again in ${refusal.retryAfterSeconds} s`,
    data: { retryAfterSeconds: refusal.retryAfterSeconds, scope: refusal.scope, limit: refusal.limit },
  };
}
