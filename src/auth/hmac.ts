// `hmac`: the auth-gateway scheme. Headers x-api-key-id, x-timestamp (RFC 3339
// UTC, whole seconds) and x-signature = hex(HMAC-SHA256(secret,
// METHOD "\n" PATH "\n" TIMESTAMP)), PATH being Go's URL.Path of the request
// as the upstream receives it, without the query.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { AppError } from '../errors.js';
import { goPathBytes } from './go-path.js';
import type { SignInput, SyncSigner } from './scheme.js';

export interface HmacOptions {
  keyId: string;
  secret: string;
  /** Injected clock (ms since epoch); Date.now by default. */
  now?: () => number;
}

export const HMAC_HEADERS = ['x-api-key-id', 'x-timestamp', 'x-signature'] as const;

/** RFC 3339 UTC with whole seconds: 2023-11-14T22:13:20Z. */
export function gatewayTimestamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export function hmacSignature(secret: string | KeyObject, method: string, path: Buffer, timestamp: string): string {
  return createHmac('sha256', secret)
    .update(`${method.toUpperCase()}\n`)
    .update(path)
    .update(`\n${timestamp}`)
    .digest('hex');
}

/** Signatures kept per second: enough for every path an agent uses at once, bounded whatever it sends. */
const MAX_CACHED = 64;

export function createHmacSigner(options: HmacOptions): SyncSigner {
  const now = options.now ?? Date.now;
  // Signing runs for every request: import the key once, and format the timestamp once per second.
  const key = createSecretKey(Buffer.from(options.secret, 'utf8'));
  let stampSecond = -1;
  let stamp = '';
  // The signature covers method, path and the second only: requests to the same path in the same second share one
  // (the HMAC is most of the cost of signing). Cleared when the second changes.
  const signatures = new Map<string, string>();
  return {
    type: 'hmac',
    needsBody: false,
    headerNames: HMAC_HEADERS,
    sign({ method, url }: SignInput) {
      const second = Math.floor(now() / 1000);
      if (second !== stampSecond) {
        stampSecond = second;
        stamp = gatewayTimestamp(second * 1000);
        signatures.clear();
      }
      const pathname = url.pathname;
      const cacheKey = `${method}\n${pathname}`;
      let signature = signatures.get(cacheKey);
      if (signature === undefined) {
        const path = goPathBytes(pathname);
        if (!path) {
          throw new AppError('BAD_PATH', `cannot sign ${pathname}: malformed percent-escape`, {
            hint: 'Send a request path whose %XX escapes are valid.',
          });
        }
        signature = hmacSignature(key, method, path, stamp);
        if (signatures.size < MAX_CACHED) signatures.set(cacheKey, signature);
      }
      return {
        'x-api-key-id': options.keyId,
        'x-timestamp': stamp,
        'x-signature': signature,
      };
    },
  };
}
