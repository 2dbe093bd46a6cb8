// Bench upstream for the load section: checks the gateway signature on every request (401 when wrong), answers
// POSTs with JSON or a short SSE stream as mixed-plan.ts says, and holds GET event streams open with `: ping` every 5 s.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkSignature } from '../../test/helpers/gateway.js';
import { jsonResult, planFor, sseEvents } from './mixed-plan.js';

const keyId = process.env.BENCH_KEY_ID ?? '';
const secret = process.env.BENCH_SECRET ?? '';
const PING_MS = 5_000;
const stats = { requests: 0, signed: 0, rejected: 0, json: 0, sse: 0, badBody: 0, streamsOpen: 0, streamsOpened: 0 };
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };

function answerPost(req: http.IncomingMessage, res: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const id = idOf(Buffer.concat(chunks));
    if (id === undefined) {
      stats.badBody += 1;
      res.writeHead(400).end();
      return;
    }
    const plan = planFor(id);
    if (plan.kind === 'json') sendJson(res, id);
    else sendSse(res, id, plan.events);
  });
}

function idOf(body: Buffer): number | undefined {
  try {
    const id = (JSON.parse(body.toString('utf8')) as { id?: unknown }).id;
    return typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}

function sendJson(res: http.ServerResponse, id: number): void {
  stats.json += 1;
  const body = JSON.stringify(jsonResult(id));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}

/** One write per event, a turn of the event loop apart, so the proxy relays a real stream. */
function sendSse(res: http.ServerResponse, id: number, events: number): void {
  stats.sse += 1;
  res.writeHead(200, SSE_HEADERS);
  const queue = sseEvents(id, events);
  const next = () => {
    const event = queue.shift();
    if (event === undefined || res.destroyed) return void res.end();
    res.write(event);
    setImmediate(next);
  };
  next();
}

/** A server-initiated stream that stays open until the client leaves. */
function holdStream(res: http.ServerResponse): void {
  stats.streamsOpen += 1;
  stats.streamsOpened += 1;
  res.writeHead(200, SSE_HEADERS);
  res.write(': ping\n\n');
  const timer = setInterval(() => res.write(': ping\n\n'), PING_MS);
  res.once('close', () => {
    clearInterval(timer);
    stats.streamsOpen -= 1;
  });
}

const server = http.createServer((req, res) => {
  if (req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  stats.requests += 1;
  if (req.headers['x-signature'] !== undefined) stats.signed += 1;
  if (checkSignature(req, keyId, secret) !== 'accepted') {
    stats.rejected += 1;
    req.resume();
    res.writeHead(401).end();
    return;
  }
  if (req.method === 'POST') answerPost(req, res);
  else if (req.method === 'GET') holdStream(res);
  else res.writeHead(405).end();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', 2048, () => process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`));
