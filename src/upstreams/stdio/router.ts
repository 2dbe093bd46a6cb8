// Who gets what, between the MCP sessions a child serves and the child. A
// dedicated child (one session) keeps every id as the client wrote it. A
// multiplexed child (shared, per-caller, 2026-07-28 stateless requests) gets
// child-wide ids and progress tokens, so colliding ids of different sessions
// never meet; answers and progress go back to the session that asked, with
// its own id and token. The child's own requests (sampling, elicitation,
// roots) go to the one session that can have caused them, never to a guess.
import { attribute } from './attribution.js';
import type { Message, Peer, RpcId } from './peer.js';

interface Pending {
  peer: Peer;
  /** The id as the client wrote it. */
  clientId: RpcId;
  method: string;
  /** The token the child sees (rewritten when multiplexed) and the client's own. */
  progress?: { child: string | number; client: string | number };
  /** Written to the child (false while the child is still starting). */
  sent: boolean;
}

export class Router {
  readonly pending = new Map<RpcId, Pending>();
  private readonly progress = new Map<string | number, RpcId>();
  /** The child's requests in flight at a client: which peer may answer each. */
  private readonly serverRequests = new Map<RpcId, Peer>();
  /** resources/subscribe: the peers watching each uri. */
  readonly subscriptions = new Map<string, Set<Peer>>();
  /** The peer that last told the child something changed (roots): who a roots/list is for when nothing is in flight. */
  private lastNotifier: Peer | undefined;
  private nextId = 1;

  constructor(
    private readonly multiplexed: boolean,
    private readonly peers: ReadonlySet<Peer>,
    /** Answers the child itself (a request no session may take). */
    private readonly answerChild: (message: Message) => void,
  ) {}

  /** A request from a client, as the child must see it; undefined when its id is already in flight (answered with an error here). */
  request(peer: Peer, message: Message & { id: RpcId; method: string }): Message | undefined {
    const childId = this.multiplexed ? this.nextId++ : message.id;
    if (!this.multiplexed && this.pending.has(childId)) {
      peer.deliver({ jsonrpc: '2.0', id: message.id, error: { code: -32600, message: `Request id ${JSON.stringify(message.id)} is already in flight in this session` } });
      return undefined;
    }
    const entry: Pending = { peer, clientId: message.id, method: message.method, sent: false };
    const meta = message.params?._meta as Record<string, unknown> | undefined;
    const token = meta?.progressToken;
    let out = message;
    if (typeof token === 'string' || typeof token === 'number') {
      const childToken = this.multiplexed ? `p${childId}` : token;
      entry.progress = { child: childToken, client: token };
      this.progress.set(childToken, childId);
      if (this.multiplexed) out = { ...out, params: { ...out.params, _meta: { ...meta, progressToken: childToken } } };
    }
    this.pending.set(childId, entry);
    return this.multiplexed ? { ...out, id: childId } : out;
  }

  /** A notification from a client, as the child must see it (a cancellation names the child's id). */
  notification(peer: Peer, message: Message & { method: string }): Message | undefined {
    if (message.method === 'notifications/roots/list_changed') this.lastNotifier = peer;
    if (message.method !== 'notifications/cancelled' || !this.multiplexed) return message;
    const wanted = message.params?.requestId;
    for (const [childId, entry] of this.pending) {
      if (entry.peer === peer && entry.clientId === wanted) return { ...message, params: { ...message.params, requestId: childId } };
    }
    return undefined;
  }

  /** A client's answer to one of the child's requests: passed on only from the peer the request went to. */
  response(peer: Peer, message: Message): boolean {
    const id = message.id as RpcId;
    if (this.serverRequests.get(id) !== peer) return false;
    this.serverRequests.delete(id);
    return true;
  }

  /** The request with this child id reached the child. */
  markSent(childId: RpcId): void {
    const entry = this.pending.get(childId);
    if (entry) entry.sent = true;
  }

  /** A message from the child: to the peer (or peers) it belongs to. `line` is its text, passed on as is when nothing in it changes. */
  fromChild(message: Message, line: string): void {
    if (message.method === undefined) return this.answer(message, line);
    if (message.id !== undefined && message.id !== null) return this.childRequest(message as Message & { id: RpcId; method: string }, line);
    const method = message.method;
    if (method === 'notifications/progress') {
      const childId = this.progress.get(message.params?.progressToken as string | number);
      const entry = childId === undefined ? undefined : this.pending.get(childId);
      if (!entry?.progress) return;
      const out = this.multiplexed ? { ...message, params: { ...message.params, progressToken: entry.progress.client } } : message;
      return entry.peer.deliver(out, this.multiplexed ? undefined : line, entry.clientId);
    }
    if (method === 'notifications/cancelled') {
      const peer = this.serverRequests.get(message.params?.requestId as RpcId);
      if (peer) this.serverRequests.delete(message.params?.requestId as RpcId);
      return peer?.deliver(message, line);
    }
    if (method.endsWith('/list_changed')) {
      for (const peer of this.peers) peer.deliver(message, line);
      return;
    }
    if (method === 'notifications/resources/updated') {
      const watching = this.multiplexed ? this.subscriptions.get(message.params?.uri as string) : this.peers;
      for (const peer of watching ?? []) peer.deliver(message, line);
      return;
    }
    const peer = this.owner(method);
    if (peer instanceof Object) peer.deliver(message, line, this.relatedOf(peer));
  }

  /** Everything sent to the crashed child fails with `error`; requests not sent yet wait for the next one. */
  failSent(error: { code: number; message: string; data?: unknown }): void {
    for (const [childId, entry] of this.pending) {
      if (!entry.sent) continue;
      this.forget(childId, entry);
      entry.peer.deliver({ jsonrpc: '2.0', id: entry.clientId, error });
    }
    this.serverRequests.clear();
  }

  /** Fails every request still pending (the child is gone for good). */
  failAll(error: { code: number; message: string; data?: unknown }): void {
    for (const entry of this.pending.values()) entry.sent = true;
    this.failSent(error);
  }

  /** A peer leaves: its requests are forgotten (the child is told they are cancelled), its subscriptions dropped. */
  detach(peer: Peer): { cancel: Message[]; unsubscribe: string[] } {
    const cancel: Message[] = [];
    for (const [childId, entry] of this.pending) {
      if (entry.peer !== peer) continue;
      this.forget(childId, entry);
      if (entry.sent) cancel.push({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: childId, reason: 'the session ended' } });
    }
    for (const [id, owner] of this.serverRequests) {
      if (owner !== peer) continue;
      this.serverRequests.delete(id);
      this.answerChild({ jsonrpc: '2.0', id, error: { code: -32603, message: 'The client session this request went to has ended' } });
    }
    const unsubscribe: string[] = [];
    for (const [uri, watchers] of this.subscriptions) {
      if (watchers.delete(peer) && watchers.size === 0) {
        this.subscriptions.delete(uri);
        unsubscribe.push(uri);
      }
    }
    if (this.lastNotifier === peer) this.lastNotifier = undefined;
    return { cancel, unsubscribe };
  }

  /** Whether any request of `peer` is in flight. */
  busy(peer: Peer): boolean {
    for (const entry of this.pending.values()) if (entry.peer === peer) return true;
    return false;
  }

  private answer(message: Message, line: string): void {
    const entry = this.pending.get(message.id as RpcId);
    if (!entry) return;
    this.forget(message.id as RpcId, entry);
    if (this.multiplexed) entry.peer.deliver({ ...message, id: entry.clientId }, undefined, entry.clientId);
    else entry.peer.deliver(message, line, entry.clientId);
  }

  private childRequest(message: Message & { id: RpcId; method: string }, line: string): void {
    const peer = this.owner(message.method);
    if (peer instanceof Object) {
      this.serverRequests.set(message.id, peer);
      return peer.deliver(message, line, this.relatedOf(peer));
    }
    if (message.method === 'ping') return this.answerChild({ jsonrpc: '2.0', id: message.id, result: {} });
    const reason =
      peer === 'ambiguous'
        ? 'mcp-auth-proxy cannot tell which of the sessions sharing this server caused this request (several have calls in flight); it is not sent to any of them. Set "sharing": "per-session" for servers that ask clients for sampling, elicitation or roots'
        : 'No client session of this server can take this request now';
    this.answerChild({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: reason } });
  }

  /** The one peer a message of the child's own belongs to, "ambiguous" when several could, undefined when none. */
  private owner(method: string): Peer | 'ambiguous' | undefined {
    if (!this.multiplexed) return this.peers.values().next().value;
    return attribute(method, this.pending.values(), this.peers, this.lastNotifier);
  }

  /** The most recent request of `peer` still in flight: a message of the child's own goes on its stream. */
  private relatedOf(peer: Peer): RpcId | undefined {
    let related: RpcId | undefined;
    for (const entry of this.pending.values()) if (entry.peer === peer && entry.sent) related = entry.clientId;
    return related;
  }

  private forget(childId: RpcId, entry: Pending): void {
    this.pending.delete(childId);
    if (entry.progress) this.progress.delete(entry.progress.child);
  }
}
