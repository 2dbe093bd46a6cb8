// The auth-gateway's side of the hmac scheme, for the embedded demo upstream:
// checks the key id, the timestamp window (rejected once now >= ts + 300 s)
// and the signature over METHOD, Go-decoded PATH and TIMESTAMP.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { goPathBytes } from '../auth/go-path.js';
import { hmacSignature } from '../auth/hmac.js';

export interface GatewayKey {
  keyId: string;
  secret: string;
}

export type Verdict = { ok: true; keyId: string } | { ok: false; reason: string };

export const GATEWAY_WINDOW_SECONDS = 300;

export function verifyGatewayRequest(req: IncomingMessage, key: GatewayKey, now: number = Date.now()): Verdict {
  const keyId = header(req, 'x-api-key-id');
  const timestamp = header(req, 'x-timestamp');
  const signature = header(req, 'x-signature');
  if (!keyId || !timestamp || !signature) return { ok: false, reason: 'missing x-api-key-id, x-timestamp or x-signature' };
  if (keyId !== key.keyId) return { ok: false, reason: 'unknown key id' };
  const signedAt = Date.parse(timestamp);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(timestamp) || Number.isNaN(signedAt)) return { ok: false, reason: 'malformed x-timestamp' };
  if (now >= signedAt + GATEWAY_WINDOW_SECONDS * 1000) return { ok: false, reason: 'timestamp expired' };
  if (signedAt > now + GATEWAY_WINDOW_SECONDS * 1000) return { ok: false, reason: 'timestamp in the future' };
  const rawPath = (req.url ?? '/').split('?', 1)[0] as string;
  const path = goPathBytes(rawPath);
  if (!path) return { ok: false, reason: 'malformed path' };
  const expected = Buffer.from(hmacSignature(key.secret, req.method ?? 'GET', path, timestamp), 'hex');
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  return { ok: true, keyId };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
