// One MCP session of a command server, as its client sees it: the POSTs
// waiting for answers, the GET stream for the server's own messages, and
// what those messages wait in while no GET stream is open (each carries an
// event id, so a client that reconnects with Last-Event-ID gets what it
// missed). It is the link's Peer: the child's messages for this session
// arrive here and go to the stream they belong on.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { countOwnBytes } from '../../proxy/jsonrpc-error.js';
import type { Link } from './link.js';
import type { Message, Peer, PeerCapabilities, RpcId } from './peer.js';
import type { Reply } from './reply.js';

/** Server messages kept for the GET stream (delivered or not, for Last-Event-ID): the newest this many. */
const KEPT_EVENTS = 256;
const KEPT_BYTES = 4 * 1024 * 1024;

export class Session implements Peer {
  readonly id = randomUUID();
  /** Client request id → the reply waiting for its answer. */
  readonly replies = new Map<RpcId, Reply>();
  lastActive = Date.now();
  private stream: ServerResponse | undefined;
  private readonly events: Array<{ seq: number; text: string }> = [];
  private eventBytes = 0;
  private seq = 0;
  /** The last event written to an open GET stream. */
  private delivered = 0;

  constructor(
    readonly link: Link,
    readonly capabilities: PeerCapabilities,
    /** The caller who opened it (team mode), for per-caller children. */
    readonly user: string | undefined,
    /** Told the answer to the client's initialize (the session is kept only when it succeeded). */
    private readonly initialized: (ok: boolean) => void,
    private readonly initializeId: RpcId,
  ) {}

  /** Nothing in flight and no stream open: the idle sweep may end it. */
  get idle(): boolean {
    return this.replies.size === 0 && this.stream === undefined;
  }

  deliver(message: Message, line?: string, related?: RpcId): void {
    const text = line ?? JSON.stringify(message);
    if (message.method === undefined && message.id !== undefined && message.id !== null) {
      const reply = this.replies.get(message.id);
      if (!reply) return;
      this.replies.delete(message.id);
      if (message.id === this.initializeId) this.initialized(message.error === undefined);
      reply.answer(message.id, text);
      return;
    }
    const reply = related === undefined ? undefined : this.replies.get(related);
    if (reply?.event(text)) return;
    this.standalone(text);
  }

  /** Opens the GET stream on `res` (headers already written): events after `lastEventId` (else the undelivered ones) first. */
  openStream(res: ServerResponse, lastEventId: string | undefined): void {
    this.stream = res;
    const after = lastEventId !== undefined && /^\d+$/.test(lastEventId) ? Number(lastEventId) : this.delivered;
    for (const event of this.events) if (event.seq > after) this.write(res, event.seq, event.text);
    res.once('close', () => {
      if (this.stream === res) this.stream = undefined;
      this.lastActive = Date.now();
    });
  }

  get streamOpen(): boolean {
    return this.stream !== undefined;
  }

  /** Ends the GET stream and answers every waiting request with `error`. */
  close(error: { code: number; message: string; data?: unknown }): void {
    this.stream?.end();
    this.stream = undefined;
    for (const [id, reply] of [...this.replies]) {
      this.replies.delete(id);
      reply.answer(id, JSON.stringify({ jsonrpc: '2.0', id, error }));
    }
  }

  private standalone(text: string): void {
    const seq = ++this.seq;
    this.events.push({ seq, text });
    this.eventBytes += text.length;
    while (this.events.length > KEPT_EVENTS || (this.eventBytes > KEPT_BYTES && this.events.length > 1)) this.eventBytes -= (this.events.shift() as { text: string }).text.length;
    if (this.stream) this.write(this.stream, seq, text);
  }

  private write(res: ServerResponse, seq: number, text: string): void {
    const event = `id: ${seq}\nevent: message\ndata: ${text}\n\n`;
    res.write(event);
    countOwnBytes(res, Buffer.byteLength(event));
    this.delivered = Math.max(this.delivered, seq);
  }
}
