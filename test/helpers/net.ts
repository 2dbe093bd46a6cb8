// Small helpers for real servers on 127.0.0.1:0 and raw HTTP requests.
import http, { type IncomingMessage, type RequestListener, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';

export async function listen(handler: RequestListener): Promise<{ server: Server; url: string; port: number; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One HTTP request with full control over headers (fetch forbids Host/Origin tweaks). */
export function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; rawPath?: string; timeoutMs?: number } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    // rawPath goes on the request line exactly as given (URL parsing would resolve "..").
    const where = { host: target.hostname, port: target.port, path: options.rawPath ?? `${target.pathname}${target.search}` };
    const req = http.request({ ...where, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    // A test that must not wait forever on a stuck answer fails with this instead.
    if (options.timeoutMs !== undefined) req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`no answer from ${url} within ${options.timeoutMs} ms`)));
    req.end(options.body);
  });
}

/** Opens a streaming GET/POST and resolves with the response once headers arrive. */
export function openStream(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ res: IncomingMessage; req: http.ClientRequest; next: (pattern: RegExp) => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      let text = '';
      const waiters: Array<{ pattern: RegExp; resolve: (s: string) => void; reject: (e: Error) => void }> = [];
      const check = () => {
        for (const w of [...waiters]) {
          const m = w.pattern.exec(text);
          if (m) {
            text = text.slice(m.index + m[0].length);
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(m[0]);
          }
        }
      };
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
        check();
      });
      res.on('close', () => waiters.forEach((w) => w.reject(new Error(`stream closed before ${w.pattern}`))));
      resolve({
        res,
        req,
        next: (pattern) =>
          new Promise((res2, rej2) => {
            waiters.push({ pattern, resolve: res2, reject: rej2 });
            check();
          }),
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A Writable that keeps everything written, for capturing log output. */
export class Capture extends Writable {
  chunks: string[] = [];
  /** Called before reading, e.g. to flush a batching logger into this capture. */
  beforeRead: () => void = () => undefined;
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk.toString('utf8'));
    done();
  }
  get text(): string {
    this.beforeRead();
    return this.chunks.join('');
  }
  lines(): Array<Record<string, unknown>> {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/**
 * Resolves when `predicate` holds, polling on the event loop (no fixed sleeps);
 * rejects after `limit` checks. `poll`, when given, runs before each check
 * (e.g. one more request whose answer the predicate looks at).
 */
export async function eventually(predicate: () => boolean, limit = 500, poll?: () => Promise<void>): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await poll?.();
    if (predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('condition not reached');
}

/** An upstream that answers every request with `{}` and counts them: for tests that must prove nothing was forwarded. */
export async function countingUpstream(): Promise<Awaited<ReturnType<typeof listen>> & { hits: () => number }> {
  let hits = 0;
  const server = await listen((req, res) => {
    hits += 1;
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  return { ...server, hits: () => hits };
}

/** An MCP initialize request body, and the headers an MCP client sends with a POST. */
export const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
});

/** Sends an MCP initialize as an agent would (no credentials) and returns the raw response. */
export const MCP_POST_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

export function initialize(url: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return request(url, { method: 'POST', headers: { ...MCP_POST_HEADERS, ...headers }, body: INITIALIZE });
}

/**
 * A 127.0.0.1 port that refuses connections for as long as the test needs it:
 * a TCP socket bound there but never listening (connect → ECONNREFUSED), so no
 * other server can take the port meanwhile, unlike "listen, close, reuse".
 * Node cannot bind without listening, so a tiny python3 process holds it.
 */
export async function refusingPort(): Promise<{ port: number; release: () => void }> {
  const { spawn } = await import('node:child_process');
  const holder = spawn('python3', ['-c', 'import socket,sys\ns=socket.socket()\ns.bind(("127.0.0.1",0))\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    holder.stdout.setEncoding('utf8').once('data', (line: string) => resolve(Number(line.trim())));
    holder.once('error', reject);
    holder.once('exit', (code) => reject(new Error(`port holder exited with ${code}`)));
  });
  return { port, release: () => holder.kill() };
}

/** The status line, headers and body of one answer read off a raw socket. */
export interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/**
 * Sends `head` (request line and headers, without the blank line) and `body`
 * on a fresh socket exactly as given, bytes the HTTP client would refuse or
 * rewrite included, and reads the answer until the server closes.
 */
export function rawHttp(port: number, head: string, body = ''): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // Written, not ended: the server closes the connection once it has answered (Connection: close).
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`${head}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => socket.end());
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), head: text.slice(0, split), body: split === -1 ? '' : text.slice(split + 4) });
    });
  });
}
