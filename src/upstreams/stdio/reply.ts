// The answer to one POST to a command server, as Streamable HTTP has it: a
// JSON body when the client takes JSON and nothing else comes first (the
// common, cheapest case), or an event stream once a message of the child's
// own belongs on it (progress, a log line, a sampling request) or when the
// client takes only event streams. The access log, metrics and audit see its
// bytes as they see a relayed answer's.
import type { ServerResponse } from 'node:http';
import type { Exchange } from '../../proxy/exchange.js';
import type { StreamTracker } from '../../proxy/relay.js';
import { SSE_HEADERS } from '../../proxy/sse.js';
import { REQUEST_ID_HEADER } from '../../observability/request-id.js';
import type { RpcId } from './peer.js';

export interface ReplyOptions {
  /** The client listed text/event-stream in Accept. */
  sse: boolean;
  /** The client listed application/json (or anything) in Accept. */
  json: boolean;
  sessionId?: string;
  server: string;
  trackStream: StreamTracker;
  /** Told once every id is answered or the client has gone. */
  onDone: (reply: Reply, unanswered: RpcId[]) => void;
}

export class Reply {
  private readonly waiting: Set<RpcId>;
  private readonly answers: string[] = [];
  private streaming = false;
  private done = false;
  private watch: ((chunk: Buffer) => void) | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly exchange: Exchange,
    ids: RpcId[],
    private readonly options: ReplyOptions,
  ) {
    this.waiting = new Set(ids);
    if (options.sse && !options.json) this.startStream();
    res.once('close', () => {
      if (this.done) return;
      this.done = true;
      this.exchange.failure ??= 'client-closed';
      options.onDone(this, [...this.waiting]);
    });
  }

  get finished(): boolean {
    return this.done;
  }

  /** The answer to one of the ids this reply waits for. */
  answer(id: RpcId, text: string): void {
    if (this.done || !this.waiting.delete(id)) return;
    this.exchange.firstByteAt ??= performance.now();
    this.exchange.upstreamStatus = 200;
    if (this.streaming) this.writeEvent(text);
    else this.answers.push(text);
    if (this.waiting.size > 0) return;
    this.done = true;
    if (this.streaming) this.res.end();
    else this.sendJson();
    this.options.onDone(this, []);
  }

  /** A message of the child's own that belongs with this request; false when it cannot go here (a JSON-only client). */
  event(text: string): boolean {
    if (this.done) return false;
    if (!this.streaming) {
      if (!this.options.sse) return false;
      this.startStream();
    }
    this.exchange.firstByteAt ??= performance.now();
    this.writeEvent(text);
    return true;
  }

  private startStream(): void {
    this.streaming = true;
    this.exchange.upstreamStatus = 200;
    this.res.writeHead(200, this.headers(SSE_HEADERS));
    this.res.flushHeaders();
    this.watch = this.exchange.watchAnswer?.(SSE_HEADERS['content-type']);
    this.options.trackStream(this.res, this.options.server, () => this.res.end(), false);
    for (const text of this.answers.splice(0)) this.writeEvent(text);
  }

  private writeEvent(text: string): void {
    const chunk = Buffer.from(`event: message\ndata: ${text}\n\n`);
    this.exchange.bytesOut += chunk.length;
    this.watch?.(chunk);
    this.res.write(chunk);
  }

  private sendJson(): void {
    const body = Buffer.from(this.answers.length === 1 ? (this.answers[0] as string) : `[${this.answers.join(',')}]`);
    this.exchange.bytesOut += body.length;
    this.exchange.watchAnswer?.('application/json')(body);
    this.res.writeHead(200, this.headers({ 'content-type': 'application/json', 'content-length': String(body.length) }));
    this.res.end(body);
  }

  private headers(base: Record<string, string>): Record<string, string> {
    return { ...base, ...(this.options.sessionId ? { 'mcp-session-id': this.options.sessionId } : {}), [REQUEST_ID_HEADER]: this.exchange.requestId };
  }
}
