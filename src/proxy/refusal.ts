// A refused caller as the JSON-RPC error the agent gets: from the identity
// step (team mode) or from a signer that will not act as this caller.
import { CallerRefused } from '../auth/scheme.js';
import type { Refusal } from '../identity/principal.js';
import { RPC, type ProxyErrorBody } from './jsonrpc-error.js';

/** The JSON-RPC error for a refused caller (the identity step, or a signer that acts as the caller). */
export function refusalError(refusal: Refusal, server: string | undefined): ProxyErrorBody {
  return {
    status: refusal.status,
    rpcCode: refusal.status === 401 ? RPC.unauthenticated : refusal.status === 503 ? RPC.identityUnavailable : refusal.status === 404 ? RPC.sessionUnknown : RPC.forbidden,
    code: refusal.code,
    message: refusal.message,
    ...(server ? { server } : {}),
  };
}

/** A signer's refusal to act as this caller, as a Refusal; undefined for any other error. */
export function asRefusal(error: unknown): Refusal | undefined {
  return error instanceof CallerRefused ? { status: error.status, code: error.code, message: error.message } : undefined;
}
