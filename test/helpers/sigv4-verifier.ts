// An AWS SigV4 verifier written from AWS's description of the algorithm with
// node:crypto only (not @smithy/signature-v4, which the proxy signs with):
// canonical request → string to sign → derived signing key → HMAC. It
// answers as AWS does: 403 with x-amzn-ErrorType, ExpiredTokenException for
// credentials it was told have expired.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Verdict } from './verified-upstream.js';

export interface AwsKey {
  secretAccessKey: string;
  sessionToken?: string;
  /** The verifier treats requests signed with this key as made with a lapsed token. */
  expired?: boolean;
}

export interface SigV4VerifierOptions {
  service: string;
  region: string;
  keys: Map<string, AwsKey>;
  now?: () => number;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/** RFC 3986 unreserved characters stay; every other byte is %XX with upper-case hex. */
function uriEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function refuse(type: string, message: string): Verdict {
  return { ok: false, status: 403, headers: { 'x-amzn-errortype': type }, body: { message } };
}

export function sigv4Verifier(options: SigV4VerifierOptions): (req: IncomingMessage, body: Buffer) => Verdict {
  return (req, body) => {
    const match = AUTH.exec(String(req.headers.authorization ?? ''));
    if (!match) return refuse('IncompleteSignatureException', 'Authorization header requires Credential, SignedHeaders and Signature');
    const [, keyId, day, region, service, signedHeaders, signature] = match as unknown as string[];
    const key = options.keys.get(keyId as string);
    if (!key) return refuse('UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (region !== options.region || service !== options.service) return refuse('InvalidSignatureException', `Credential should be scoped to ${options.region}/${options.service}`);
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== day) return refuse('IncompleteSignatureException', 'x-amz-date missing or not the credential date');
    const at = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
    if (Math.abs((options.now ?? Date.now)() - at) > 15 * 60_000) return refuse('InvalidSignatureException', 'Signature expired');
    const names = (signedHeaders as string).split(';');
    if (!names.includes('host') || !names.includes('x-amz-date')) return refuse('InvalidSignatureException', 'host and x-amz-date must be signed');
    if (key.sessionToken !== undefined && req.headers['x-amz-security-token'] !== key.sessionToken) return refuse('UnrecognizedClientException', 'The security token included in the request is invalid.');

    const [rawPath = '/', rawQuery = ''] = (req.url ?? '/').split('?', 2);
    // Not S3: each segment of the path as sent is URI-encoded once more ("double encoding").
    const canonicalUri = rawPath.split('/').map(uriEncode).join('/');
    const pairs = rawQuery === '' ? [] : rawQuery.split('&').map((part) => {
      const [name = '', value = ''] = part.split('=', 2);
      const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      return [uriEncode(decode(name)), uriEncode(decode(value))] as const;
    });
    pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
    const canonicalQuery = pairs.map(([n, v]) => `${n}=${v}`).join('&');
    let canonicalHeaders = '';
    for (const name of names) {
      const value = req.headers[name];
      if (value === undefined) return refuse('InvalidSignatureException', `signed header ${name} is missing`);
      canonicalHeaders += `${name}:${(Array.isArray(value) ? value.join(',') : value).trim().replace(/\s+/g, ' ')}\n`;
    }
    const payloadHash = createHash('sha256').update(body).digest('hex');
    const canonicalRequest = [req.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
    const scope = `${day}/${region}/${service}/aws4_request`;
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
    const hmac = (k: Buffer | string, data: string) => createHmac('sha256', k).update(data).digest();
    const signingKey = hmac(hmac(hmac(hmac(`AWS4${key.secretAccessKey}`, day as string), region as string), service as string), 'aws4_request');
    const expected = createHmac('sha256', signingKey).update(stringToSign).digest();
    if (!timingSafeEqual(expected, Buffer.from(signature as string, 'hex'))) {
      return refuse('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
    }
    // A valid signature with a lapsed token: what STS credentials get after their expiry.
    if (key.expired) return refuse('ExpiredTokenException', 'The security token included in the request is expired');
    return { ok: true };
  };
}
