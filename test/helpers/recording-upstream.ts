// Byte-level tools for protocol-era tests: a raw node:http upstream that
// records every request (exact body bytes, headers, the gateway's verdict on
// its HMAC signature) before the test's own function answers it, and a raw
// client request that returns the response body as bytes, not decoded text.
import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { checkSignature } from './gateway.js';
import { listen } from './net.js';
import { KEY_ID, SECRET } from './proxy.js';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** 'accepted', or why the test gateway would refuse the signature. */
  verdict: string;
}

export type RecordingUpstream = Awaited<ReturnType<typeof listen>> & { received: RecordedRequest[] };

/** An upstream that records each request once its body is complete, then lets `answer` respond. */
export async function recordingUpstream(answer: (request: RecordedRequest, res: ServerResponse) => void): Promise<RecordingUpstream> {
  const received: RecordedRequest[] = [];
  const server = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        verdict: checkSignature(req, KEY_ID, SECRET),
      };
      received.push(recorded);
      answer(recorded, res);
    });
  });
  return { ...server, received };
}

export interface BytesResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One raw HTTP request; the response body comes back as the bytes on the wire (no decoding, no decompression). */
export function requestBytes(url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<BytesResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}
