// One child process and the MCP conversation with it, across restarts. A
// crash answers every request the child had with a JSON-RPC error, then the
// child starts again after a backoff and is brought back to where it was
// (initialize, initialized, log level, subscriptions), so the session goes
// on and the next call works. Requests that arrive meanwhile wait for it. A
// multiplexed link speaks initialize itself, as the child's one client, and
// answers each session's initialize from what the child said.
import { RPC } from '../../proxy/jsonrpc-error.js';
import type { Logger } from '../../observability/logger.js';
import { Child, type ChildExit } from './child.js';
import { capabilitiesOf, type Message, type Peer, type RpcId } from './peer.js';
import type { SpawnSpec } from './process-group.js';
import type { ProcessRecords } from './process-records.js';
import { Router } from './router.js';
import { negotiate, ownInitialize } from './handshake.js';

export interface LinkEvents {
  started(): void;
  crashed(): void;
  exited(): void;
}

export interface LinkOptions {
  server: string;
  spec: SpawnSpec;
  multiplexed: boolean;
  startTimeoutMs: number;
  stopTimeoutMs: number;
  logger: Logger;
  /** Takes this server's own secret values out of what its child writes. */
  redact: (text: string) => string;
  events: LinkEvents;
  records?: ProcessRecords;
  /** Told once the link is stopped or failed for good: the runtime forgets it. */
  onGone: (link: Link) => void;
  /** The protocol version a multiplexed link asks its child for. */
  protocolVersion?: string;
}

export type LinkState = 'starting' | 'ready' | 'backoff' | 'failed' | 'stopped';

/** Restarts in a row (each after a child that lived under a minute) before the link gives up. */
const MAX_RESTARTS = 5;
const STABLE_MS = 60_000;
const INTERNAL = 'mcp-auth-proxy:';

export class Link {
  readonly peers = new Set<Peer>();
  readonly router: Router;
  state: LinkState = 'starting';
  restarts = 0;
  /** When the last peer left (for the idle sweep); undefined while one is attached. */
  idleSince: number | undefined = Date.now();
  /** The child's initialize result (server info, capabilities, its protocol version). */
  initResult: Record<string, unknown> | undefined;
  /** Keep the child running (and restart it) even with no peer: a prewarmed shared child. */
  keepWarm = false;
  private child: Child | undefined;
  private crashesInRow = 0;
  private outbox: Array<{ line: string | Buffer; childId?: RpcId }> = [];
  private readyWaiters: Array<(error?: Error) => void> = [];
  private failure: Error | undefined;
  private readonly internal = new Map<string, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  private internalId = 0;
  /** Dedicated: the client's initialize and initialized, replayed to a restarted child. */
  private clientInit: { params: Record<string, unknown>; initialized: boolean } | undefined;
  private logLevel: Record<string, unknown> | undefined;
  private readonly stderrTail: string[] = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: LinkOptions) {
    this.router = new Router(options.multiplexed, this.peers, (message) => this.child?.write(JSON.stringify(message)));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the child (a multiplexed link also initializes it); resolves once it takes requests. */
  start(): Promise<void> {
    this.spawn();
    return this.whenReady();
  }

  attach(peer: Peer): void {
    this.peers.add(peer);
    this.idleSince = undefined;
  }

  detach(peer: Peer): void {
    if (!this.peers.delete(peer)) return;
    const { cancel, unsubscribe } = this.router.detach(peer);
    for (const message of cancel) this.write(JSON.stringify(message));
    for (const uri of unsubscribe) void this.request('resources/unsubscribe', { uri }).catch(() => undefined);
    if (this.peers.size === 0) this.idleSince = Date.now();
  }

  /** A message from a client of this child. `raw`: its exact bytes, written as they are when nothing in it changes. */
  send(peer: Peer, message: Message, raw?: Buffer): void {
    const method = message.method;
    if (method === undefined) {
      if (this.router.response(peer, message)) this.write(raw && !this.options.multiplexed ? raw : JSON.stringify(message));
      return;
    }
    if (message.id === undefined || message.id === null) {
      if (method === 'notifications/initialized') {
        if (this.options.multiplexed) return;
        if (this.clientInit) this.clientInit.initialized = true;
      }
      const out = this.router.notification(peer, message as Message & { method: string });
      if (out) this.write(out === message && raw ? raw : JSON.stringify(out));
      return;
    }
    const request = message as Message & { id: RpcId; method: string };
    if (method === 'initialize') {
      if (this.options.multiplexed) return this.answerInitialize(peer, request);
      this.clientInit = { params: request.params ?? {}, initialized: false };
    }
    if (method === 'logging/setLevel') this.logLevel = request.params;
    if ((method === 'resources/subscribe' || method === 'resources/unsubscribe') && this.subscriptionHandled(peer, request)) return;
    const out = this.router.request(peer, request);
    if (out) this.write(out === request && raw ? raw : JSON.stringify(out), out.id as RpcId);
  }

  /** Stops the child (group and all) and fails what is still pending. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.state = 'stopped';
      this.failWaiters(new Error('stopped'));
      const child = this.child;
      if (child) await child.stop(this.options.stopTimeoutMs);
      this.router.failAll(this.error('COMMAND_STOPPED', `The command of "${this.options.server}" was stopped`));
      this.options.onGone(this);
    })();
    return this.stopping;
  }

  /** For status; `memories` holds the RSS of each child's group, read for all of them at once. */
  describe(memories: ReadonlyMap<number, number>): { pid?: number; state: LinkState; startedAt?: string; uptimeSeconds?: number; restarts: number; sessions: number; memoryBytes?: number } {
    const child = this.child;
    const pid = child?.alive ? child.pid : undefined;
    const memory = pid === undefined ? undefined : memories.get(pid);
    return {
      ...(pid !== undefined ? { pid } : {}),
      state: this.state,
      ...(child ? { startedAt: new Date(child.startedAt).toISOString(), uptimeSeconds: Math.round((Date.now() - child.startedAt) / 1000) } : {}),
      restarts: this.restarts,
      sessions: this.peers.size,
      ...(memory !== undefined ? { memoryBytes: memory } : {}),
    };
  }

  /** Resolves when the child takes requests; rejects when it cannot start. */
  whenReady(): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    if (this.state === 'failed' || this.state === 'stopped') return Promise.reject(this.failure ?? new Error('stopped'));
    return new Promise((resolve, reject) => this.readyWaiters.push((error) => (error ? reject(error) : resolve())));
  }

  private spawn(): void {
    const { server, spec } = this.options;
    this.state = 'starting';
    const child = new Child({
      server,
      spec,
      ...(this.options.records ? { records: this.options.records } : {}),
      onLine: (line) => this.fromChild(line),
      onStderr: (line, dropped) => {
        if (dropped) return this.options.logger.info('command stderr: lines not logged (too many)', { server, pid: child.pid, dropped });
        this.stderrTail.push(this.options.redact(line));
        if (this.stderrTail.length > 10) this.stderrTail.shift();
        this.options.logger.info('command stderr', { server, pid: child.pid, line });
      },
      onOverflow: () => {
        this.options.logger.error('command wrote a line longer than 64 MiB on stdout; stopping it', { server, pid: child.pid });
        void child.stop(this.options.stopTimeoutMs);
      },
      onExit: (exit) => this.exited(child, exit),
    });
    this.child = child;
    this.options.events.started();
    this.options.logger.info('command started', { server, pid: child.pid, command: spec.command, sharing: this.options.multiplexed ? 'multiplexed' : 'dedicated' });
    const timer = setTimeout(() => {
      if (this.child !== child || this.state !== 'starting') return;
      this.giveUp(this.error('COMMAND_START_TIMEOUT', `The command of "${server}" did not start within ${this.options.startTimeoutMs} ms`, RPC.upstreamTimeout), child);
    }, this.options.startTimeoutMs);
    timer.unref();
    const needsHandshake = this.options.multiplexed || this.clientInit !== undefined;
    if (!needsHandshake) return this.becomeReady(timer);
    this.handshake().then(
      () => {
        if (this.child === child && this.state === 'starting') this.becomeReady(timer);
      },
      (error: Error) => {
        if (this.child === child && this.state === 'starting') this.giveUp(this.error('COMMAND_INITIALIZE_FAILED', `The command of "${this.options.server}" refused initialize: ${error.message}`), child);
      },
    );
  }

  private async handshake(): Promise<void> {
    const params = this.options.multiplexed ? ownInitialize(this.options.protocolVersion) : (this.clientInit as { params: Record<string, unknown> }).params;
    const result = (await this.request('initialize', params, true)) as Record<string, unknown>;
    if (this.options.multiplexed) this.initResult = result;
    if (this.options.multiplexed || this.clientInit?.initialized) this.child?.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    if (this.logLevel) void this.request('logging/setLevel', this.logLevel, true).catch(() => undefined);
    for (const uri of this.router.subscriptions.keys()) void this.request('resources/subscribe', { uri }, true).catch(() => undefined);
  }

  private becomeReady(timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.state = 'ready';
    for (const { line, childId } of this.outbox.splice(0)) {
      this.child?.write(line);
      if (childId !== undefined) this.router.markSent(childId);
    }
    this.failWaiters(undefined);
  }

  private exited(child: Child, exit: ChildExit): void {
    if (this.child !== child) return;
    this.options.events.exited();
    const { server } = this.options;
    if (this.state === 'stopped' || this.state === 'failed') return;
    const how = exit.error ? `could not start (${exit.error.code ?? exit.error.message})` : exit.signal ? `was ended by ${exit.signal}` : `exited with code ${exit.code}`;
    const tail = this.stderrTail.at(-1);
    this.options.events.crashed();
    this.options.logger.warn('command exited unexpectedly', { server, pid: child.pid, code: exit.code, signal: exit.signal, ...(tail ? { stderr: tail } : {}) });
    for (const pending of this.internal.values()) pending.reject(new Error(`the command ${how}`));
    this.internal.clear();
    if (exit.error) {
      const hint = exit.error.code === 'ENOENT' ? `check that "${this.options.spec.command}" is installed and on the PATH the proxy runs with` : 'check the command and its permissions';
      return this.giveUp(this.error('COMMAND_NOT_STARTED', `The command of "${server}" ${how}; ${hint}`), child);
    }
    this.crashesInRow = Date.now() - child.startedAt > STABLE_MS ? 1 : this.crashesInRow + 1;
    const restart = this.peers.size > 0 || this.keepWarm;
    const detail = `${how}${tail ? `: ${tail}` : ''}`;
    this.router.failSent(this.error('COMMAND_EXITED', `The command of "${server}" ${detail} while this request was in flight${restart ? '; it is being started again' : ''}`));
    if (!restart || this.crashesInRow > MAX_RESTARTS) {
      return this.giveUp(this.error('COMMAND_CRASHING', `The command of "${server}" ${detail} (${this.crashesInRow} times in a row)`), child);
    }
    this.state = 'backoff';
    const delay = Math.min(30_000, 250 * 2 ** (this.crashesInRow - 1));
    setTimeout(() => {
      if (this.state !== 'backoff') return;
      this.restarts += 1;
      this.spawn();
    }, delay).unref();
  }

  /** The link cannot serve any more: everything waiting fails with `error`, the child goes. */
  private giveUp(error: { code: number; message: string; data?: unknown }, child: Child): void {
    this.state = 'failed';
    this.failure = Object.assign(new Error(error.message), { rpc: error });
    this.outbox = [];
    this.router.failAll(error);
    this.failWaiters(this.failure);
    void child.stop(this.options.stopTimeoutMs);
    this.options.onGone(this);
  }

  private fromChild(line: string): void {
    const text = this.options.redact(line);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.options.logger.warn('command wrote something that is not JSON-RPC on stdout (logs belong on stderr); ignored', { server: this.options.server, line: text.slice(0, 200) });
      return;
    }
    for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
      if (typeof message !== 'object' || message === null) continue;
      const m = message as Message;
      if (m.method === undefined && typeof m.id === 'string' && m.id.startsWith(INTERNAL)) {
        const waiter = this.internal.get(m.id);
        this.internal.delete(m.id);
        if (m.error) waiter?.reject(new Error(String((m.error as { message?: unknown }).message ?? 'error')));
        else waiter?.resolve(m.result);
        continue;
      }
      if (m.method === undefined && this.clientInit && !this.options.multiplexed && m.result && typeof m.result === 'object' && 'protocolVersion' in m.result) this.initResult = m.result as Record<string, unknown>;
      this.router.fromChild(m, Array.isArray(parsed) ? JSON.stringify(m) : text);
    }
  }

  /** A request of the link's own (handshake, replayed state): written at once when `now`, else once ready. */
  private request(method: string, params: Record<string, unknown>, now = false): Promise<unknown> {
    const id = `${INTERNAL}${++this.internalId}`;
    return new Promise((resolve, reject) => {
      this.internal.set(id, { resolve, reject });
      const line = JSON.stringify({ jsonrpc: '2.0', id, method, params });
      if (now) this.child?.write(line);
      else this.write(line);
    });
  }

  private write(line: string | Buffer, childId?: RpcId): void {
    if (this.state === 'ready' && this.child) {
      this.child.write(line);
      if (childId !== undefined) this.router.markSent(childId);
    } else if (this.state === 'starting' || this.state === 'backoff') this.outbox.push({ line, ...(childId !== undefined ? { childId } : {}) });
    else if (childId !== undefined) this.router.failAll(this.error('COMMAND_UNAVAILABLE', this.failure?.message ?? `The command of "${this.options.server}" is not running`));
  }

  /** resources/subscribe and unsubscribe: counted per uri, so one session's unsubscribe keeps another's. True when answered here. */
  private subscriptionHandled(peer: Peer, request: Message & { id: RpcId; method: string }): boolean {
    const uri = request.params?.uri;
    if (typeof uri !== 'string') return false;
    const watchers = this.router.subscriptions.get(uri) ?? new Set<Peer>();
    const subscribe = request.method === 'resources/subscribe';
    const othersWatch = [...watchers].some((p) => p !== peer);
    if (subscribe) watchers.add(peer);
    else watchers.delete(peer);
    if (watchers.size > 0) this.router.subscriptions.set(uri, watchers);
    else this.router.subscriptions.delete(uri);
    if (!this.options.multiplexed || !othersWatch) return false;
    peer.deliver({ jsonrpc: '2.0', id: request.id, result: {} });
    return true;
  }

  private answerInitialize(peer: Peer, request: Message & { id: RpcId }): void {
    this.whenReady().then(
      () => {
        const result = this.initResult ?? {};
        const requested = request.params?.protocolVersion;
        peer.deliver({ jsonrpc: '2.0', id: request.id, result: { ...result, protocolVersion: negotiate(requested, result.protocolVersion) } });
      },
      (error: Error & { rpc?: unknown }) => peer.deliver({ jsonrpc: '2.0', id: request.id, error: error.rpc ?? this.error('COMMAND_UNAVAILABLE', error.message) }),
    );
  }

  private failWaiters(error: Error | undefined): void {
    for (const wake of this.readyWaiters.splice(0)) wake(error);
  }

  private error(code: string, message: string, rpcCode: number = RPC.upstreamUnreachable): { code: number; message: string; data: Record<string, unknown> } {
    return { code: rpcCode, message, data: { code, server: this.options.server } };
  }
}

export { capabilitiesOf };
