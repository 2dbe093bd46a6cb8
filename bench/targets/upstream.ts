// Bench upstream for the scenarios: verifies the gateway signature on every proxied request (401 and counted when
// wrong or missing), then answers small JSON, 1 MB JSON or 100 SSE events to a POST, and a paced or burst GET stream.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkSignature } from '../../test/helpers/gateway.js';
import { DIRECT_HEADER, PACE_MS, SMALL_ANSWER, SSE_EVENTS, STREAM_MODE_HEADER, TOOL, bigAnswer, clock, sseEvent } from './scenario-plan.js';

const keyId = process.env.BENCH_KEY_ID ?? '';
const secret = process.env.BENCH_SECRET ?? '';
/** Events pushed on each GET stream before the upstream ends it, per mode. */
const BURST_EVENTS = Number(process.env.BENCH_GET_EVENTS ?? 2000);
const PACED_EVENTS = Number(process.env.BENCH_GET_PACED_EVENTS ?? 200);
const stats = { requests: 0, signed: 0, direct: 0, rejected: 0, small: 0, big: 0, sse: 0, pacedStreams: 0, burstStreams: 0, badBody: 0 };
const small = Buffer.from(SMALL_ANSWER);
const big = bigAnswer();
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const JSON_TYPE = 'application/json';

/** The SSE answer to a POST: one write per event, a turn of the event loop apart, each event stamped as written. */
function sseAnswer(res: http.ServerResponse, total: number): void {
  stats.sse += 1;
  res.writeHead(200, SSE_HEADERS);
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    i += 1;
    if (i > total) return void res.end();
    res.write(sseEvent(i, total, i === total));
    setImmediate(next);
  };
  next();
}

/** The standalone GET stream: events a millisecond apart, then the upstream ends it. */
function pacedStream(res: http.ServerResponse): void {
  stats.pacedStreams += 1;
  res.writeHead(200, SSE_HEADERS);
  let i = 0;
  const timer = setInterval(() => {
    i += 1;
    if (res.destroyed || i > PACED_EVENTS) {
      clearInterval(timer);
      return void res.end();
    }
    res.write(sseEvent(i, PACED_EVENTS, false));
  }, PACE_MS);
}

/** The standalone GET stream: every event back to back, waiting only when the socket says so (drain). */
function burstStream(res: http.ServerResponse): void {
  stats.burstStreams += 1;
  res.writeHead(200, SSE_HEADERS);
  let i = 0;
  const pump = () => {
    while (i < BURST_EVENTS && !res.destroyed) {
      i += 1;
      if (!res.write(sseEvent(i, BURST_EVENTS, false))) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

function answerPost(req: http.IncomingMessage, res: http.ServerResponse): void {
  let body = '';
  req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    if (body.includes(TOOL.small)) {
      stats.small += 1;
      res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': small.length }).end(small);
    } else if (body.includes(TOOL.big)) {
      stats.big += 1;
      res.writeHead(200, { 'content-type': JSON_TYPE, 'content-length': big.length }).end(big);
    } else if (body.includes(TOOL.sse)) {
      sseAnswer(res, SSE_EVENTS);
    } else {
      stats.badBody += 1;
      res.writeHead(400).end();
    }
  });
}

/** Direct requests (marked by the bench) come unsigned; anything else must carry a signature the gateway accepts. */
function admitted(req: http.IncomingMessage): boolean {
  if (req.headers['x-signature'] !== undefined) {
    stats.signed += 1;
    return checkSignature(req, keyId, secret) === 'accepted';
  }
  if (req.headers[DIRECT_HEADER] !== undefined) {
    stats.direct += 1;
    return true;
  }
  return false;
}

const server = http.createServer((req, res) => {
  if (req.url === '/stats') return void res.writeHead(200, { 'content-type': JSON_TYPE }).end(JSON.stringify(stats));
  if (req.url === '/clock') return void res.writeHead(200, { 'content-type': 'text/plain' }).end(clock().toFixed(3));
  stats.requests += 1;
  if (!admitted(req)) {
    stats.rejected += 1;
    req.resume();
    return void res.writeHead(401).end();
  }
  if (req.method === 'POST') answerPost(req, res);
  else if (req.method === 'GET') (req.headers[STREAM_MODE_HEADER] === 'burst' ? burstStream : pacedStream)(res);
  else res.writeHead(405).end();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', 1024, () => process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`));
