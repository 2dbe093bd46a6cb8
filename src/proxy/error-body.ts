// Upstream error answers (4xx/5xx) on their way to an agent: a credential the
// proxy sent with the request that the upstream repeats ("invalid token
// <token>", a debug page that dumps the request headers) is replaced with
// [REDACTED] in the body and in header values. A body up to ERROR_BODY_CAP is
// held, redacted and sent with its new Content-Length; a longer one streams
// through the same redactor (chunked), so none is ever held whole. gzip,
// deflate and br bodies are decoded first and sent decoded; a body in a coding
// the proxy cannot read is withheld. Success answers never come here.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { REQUEST_ID_HEADER } from '../observability/request-id.js';
import { RPC, sendProxyError } from './jsonrpc-error.js';
import { StreamRedactor, needlesFor, redactAll } from './redact-stream.js';

export const ERROR_BODY_CAP = 64 * 1024;

/** Integrity headers of the original bytes: wrong once the body is decoded or redacted. */
const DIGESTS = ['content-md5', 'digest', 'content-digest', 'repr-digest', 'etag'];

export interface ErrorAnswer {
  server: string;
  status: number;
  statusMessage: string;
  /** The answer's headers as they will go out (already filtered, request id set); changed in place. */
  headers: IncomingHttpHeaders;
  /** The credential values the proxy sent with this request. */
  sent: string[];
  /** Sees each chunk as it goes to the agent (byte counts, the audit). */
  observe(chunk: Buffer): void;
  /** Shown the whole held body (not one past the cap): true when the caller sends the request again instead (SigV4 ExpiredToken). */
  retryInstead?(text: string): boolean;
}

export function relayErrorAnswer(source: IncomingMessage, res: ServerResponse, answer: ErrorAnswer): void {
  const needles = needlesFor(answer.sent);
  const { headers } = answer;
  for (const name in headers) headers[name] = redactHeader(headers[name], needles);
  delete headers['content-length'];
  let body: Readable = source;
  const coding = headers['content-encoding']?.trim().toLowerCase();
  if (coding !== undefined && coding !== '' && coding !== 'identity') {
    const decoder = decoderFor(coding);
    if (!decoder) return withhold(source, res, answer, `in a coding the proxy cannot read (${coding})`);
    body = source.pipe(decoder);
    decoder.once('error', () => {
      if (!res.headersSent) withhold(source, res, answer, `that does not decode as ${coding}`);
      else res.destroy();
    });
    delete headers['content-encoding'];
    for (const name of DIGESTS) delete headers[name];
  } else delete headers['content-encoding'];

  const held: Buffer[] = [];
  let size = 0;
  let stream: StreamRedactor | undefined;
  const send = (text: string) => {
    if (text === '' || res.destroyed) return;
    const bytes = Buffer.from(text, 'latin1');
    answer.observe(bytes);
    if (!res.write(bytes) && !body.isPaused()) {
      body.pause();
      res.once('drain', () => body.resume());
    }
  };
  body.on('data', (chunk: Buffer) => {
    if (stream) return send(stream.push(chunk.toString('latin1')));
    held.push(chunk);
    size += chunk.length;
    if (size <= ERROR_BODY_CAP) return;
    // Past the cap: the length is unknown until the end, so the rest goes chunked, through the same redactor.
    stream = new StreamRedactor(needles);
    for (const name of DIGESTS) delete headers[name];
    res.writeHead(answer.status, answer.statusMessage, headers);
    send(stream.push(Buffer.concat(held, size).toString('latin1')));
    held.length = 0;
  });
  body.once('end', () => {
    if (res.destroyed) return;
    if (stream) {
      send(stream.end());
      res.end();
      return;
    }
    const text = Buffer.concat(held, size).toString('latin1');
    if (answer.retryInstead?.(text)) return;
    const redacted = redactAll(text, needles);
    if (redacted !== text) for (const name of DIGESTS) delete headers[name];
    const bytes = Buffer.from(redacted, 'latin1');
    headers['content-length'] = String(bytes.length);
    res.writeHead(answer.status, answer.statusMessage, headers);
    answer.observe(bytes);
    res.end(bytes);
  });
}

function redactHeader(value: string | string[] | undefined, needles: readonly string[]): string | string[] | undefined {
  if (value === undefined) return value;
  return typeof value === 'string' ? redactAll(value, needles) : value.map((v) => redactAll(v, needles));
}

function decoderFor(coding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  if (coding === 'gzip' || coding === 'x-gzip') return zlib.createGunzip();
  if (coding === 'deflate') return zlib.createInflate();
  if (coding === 'br') return zlib.createBrotliDecompress();
  return undefined;
}

/** The upstream's status stays; its body, which could not be checked for echoed credentials, does not reach the agent. */
function withhold(source: IncomingMessage, res: ServerResponse, answer: ErrorAnswer, why: string): void {
  source.resume();
  sendProxyError(res, {
    status: answer.status,
    rpcCode: RPC.upstreamUnreachable,
    code: 'UPSTREAM_ERROR_WITHHELD',
    server: answer.server,
    message: `Upstream "${answer.server}" answered HTTP ${answer.status} with a body ${why}; withheld, as it could repeat a credential`,
    hint: 'Run `mcp-auth-proxy doctor`, or read the upstream\'s own logs',
  }, null, requestIdHeader(answer.headers));
}

function requestIdHeader(headers: IncomingHttpHeaders): Record<string, string> {
  const id = headers[REQUEST_ID_HEADER];
  return typeof id === 'string' ? { [REQUEST_ID_HEADER]: id } : {};
}
