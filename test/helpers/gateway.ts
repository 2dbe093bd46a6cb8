// The test auth-gateway: an independent re-implementation of the gateway's
// rules (not the proxy's code), so a shared mistake cannot pass unnoticed.
// HMAC-SHA256 over METHOD\nPATH\nTIMESTAMP, PATH as Go's URL.Path, 300 s window.
import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  verdict: 'accepted' | string;
}

export function goDecodedPath(rawUrl: string): Buffer {
  const path = rawUrl.split('?')[0] ?? '';
  const bytes: number[] = [];
  for (let i = 0; i < path.length; ) {
    if (path[i] === '%') {
      bytes.push(Number.parseInt(path.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const cp = path.codePointAt(i) as number;
      bytes.push(...Buffer.from(String.fromCodePoint(cp)));
      i += cp > 0xffff ? 2 : 1;
    }
  }
  return Buffer.from(bytes);
}

export function checkSignature(req: IncomingMessage, keyId: string, secret: string, nowMs = Date.now()): 'accepted' | string {
  const id = req.headers['x-api-key-id'];
  const ts = req.headers['x-timestamp'];
  const sig = req.headers['x-signature'];
  if (typeof id !== 'string' || typeof ts !== 'string' || typeof sig !== 'string') return 'missing signature headers';
  if (id !== keyId) return `wrong key id ${id}`;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(ts)) return `bad timestamp format ${ts}`;
  const t = new Date(ts).getTime();
  if (nowMs >= t + 300_000) return 'expired';
  const mac = createHmac('sha256', Buffer.from(secret, 'utf8'));
  mac.update(Buffer.concat([Buffer.from(`${req.method}\n`), goDecodedPath(req.url ?? '/'), Buffer.from(`\n${ts}`)]));
  return mac.digest('hex') === sig ? 'accepted' : 'bad signature';
}
