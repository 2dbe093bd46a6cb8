// The processes and sessions of one command server: which child a new
// session gets (its own, the shared one, its caller's), the spare a prewarm
// keeps ready, the maxProcesses cap, the idle sweep, and the two ways it
// ends: drained (a reload changed the server: answers in flight finish, then
// its children go) or closed (the proxy stops).
import type { CommandServerConfig } from '../../config/command-schema.js';
import type { Logger } from '../../observability/logger.js';
import { Link } from './link.js';
import { capabilitiesOf, type Message } from './peer.js';
import type { SpawnSpec } from './process-group.js';
import { groupMemories } from './process-info.js';
import type { ProcessRecords } from './process-records.js';
import { Session } from './session.js';
import { expandArgs } from './spec.js';

export interface ChildMetrics {
  childStarted(server: string): void;
  childCrashed(server: string): void;
  childExited(server: string): void;
}

export interface RuntimeOptions {
  name: string;
  server: CommandServerConfig;
  spec: SpawnSpec;
  /** env variables whose value is the caller's email ("$caller"). */
  callerVariables: string[];
  redact: (text: string) => string;
  logger: Logger;
  metrics?: ChildMetrics;
  records?: ProcessRecords;
}

export interface Refusal {
  status: number;
  code: string;
  message: string;
  hint?: string;
}

/** How long a drained runtime lets answers in flight finish before its children are stopped. */
const DRAIN_MS = 30_000;

export class CommandRuntime {
  readonly sessions = new Map<string, Session>();
  readonly links = new Set<Link>();
  starts = 0;
  crashes = 0;
  private shared: Link | undefined;
  private readonly callers = new Map<string, Link>();
  private readonly lanes = new Map<string, Link>();
  private spare: Link | undefined;
  private ending: Promise<void> | undefined;
  /** Set by close(): a drain under way stops waiting. */
  private stopNow = false;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: RuntimeOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1_000, Math.min(options.server.idleTimeout / 2, 30_000)));
    this.sweeper.unref();
  }

  get server(): CommandServerConfig {
    return this.options.server;
  }

  /** A reload that left the spawn alone may still change the caps and timers. */
  update(server: CommandServerConfig): void {
    this.options.server = server;
  }

  /** A new session for the client's initialize, on the child its sharing gives it; or why not. */
  openSession(init: Message, user: string | undefined, onInitialized: (session: Session, ok: boolean) => void): Session | Refusal {
    if (this.ending) return { status: 503, code: 'SERVER_RELOADING', message: `"${this.options.name}" is being replaced by a reload`, hint: 'Send initialize again' };
    const { sharing } = this.options.server;
    const link = sharing === 'per-session' ? this.takeSpare() ?? this.newLink(false, user) : sharing === 'shared' ? this.sharedLink(init.params?.protocolVersion) : this.callerLink(user as string);
    if (!(link instanceof Link)) return link;
    const session: Session = new Session(link, capabilitiesOf(init.params), user, (ok) => onInitialized(session, ok), init.id as string | number);
    link.attach(session);
    this.sessions.set(session.id, session);
    if (this.options.server.prewarm) this.fillSpare();
    return session;
  }

  /** Ends a session: its waiting requests get `error`, its stream closes, a per-session child stops (settles once it is gone). */
  endSession(session: Session, error = { code: -32001, message: 'The session ended' }): Promise<void> {
    if (!this.sessions.delete(session.id)) return Promise.resolve();
    session.close(error);
    session.link.detach(session);
    return this.options.server.sharing === 'per-session' ? session.link.stop() : Promise.resolve();
  }

  /** The child that serves stateless (2026-07-28) requests of `user`: the shared or caller's one, else a lane of its own. */
  lane(user: string | undefined): Link | Refusal {
    const { sharing } = this.options.server;
    if (sharing === 'shared') return this.sharedLink(undefined);
    if (sharing === 'per-caller') return this.callerLink(user as string);
    const key = user ?? '';
    const existing = this.lanes.get(key);
    if (existing) return existing;
    const link = this.newLink(true, user);
    if (link instanceof Link) this.lanes.set(key, link);
    return link;
  }

  /** prewarm: the shared child, or a spare, starts now. */
  prewarm(): void {
    if (!this.options.server.prewarm) return;
    if (this.options.server.sharing === 'shared') {
      const link = this.sharedLink(undefined);
      if (link instanceof Link) link.keepWarm = true;
    } else this.fillSpare();
  }

  /** Answers in flight finish (up to 30 s), then sessions end and children stop. Once only. */
  drain(): Promise<void> {
    this.ending ??= (async () => {
      const deadline = Date.now() + DRAIN_MS;
      while (!this.stopNow && Date.now() < deadline && [...this.sessions.values()].some((s) => s.replies.size > 0)) await new Promise((resolve) => setTimeout(resolve, 100).unref());
      await this.stopAll({ code: -32001, message: `The session ended: "${this.options.name}" was reconfigured; send initialize again` });
    })();
    return this.ending;
  }

  /** The proxy stops: every session ends and every child stops now. */
  close(): Promise<void> {
    this.stopNow = true;
    this.ending ??= this.stopAll({ code: -32001, message: 'The proxy is stopping' });
    return this.ending;
  }

  describe(): { sessions: number; starts: number; crashes: number; children: Array<Record<string, unknown>> } {
    const roleOf = (link: Link): Record<string, unknown> => {
      if (link === this.shared) return { role: 'shared' };
      if (link === this.spare) return { role: 'spare' };
      for (const [user, l] of this.callers) if (l === link) return { role: 'caller', caller: user };
      for (const l of this.lanes.values()) if (l === link) return { role: 'stateless' };
      return { role: 'session' };
    };
    const links = [...this.links];
    const memories = groupMemories(links.map((link) => link.pid).filter((pid): pid is number => pid !== undefined));
    return { sessions: this.sessions.size, starts: this.starts, crashes: this.crashes, children: links.map((link) => ({ ...roleOf(link), ...link.describe(memories) })) };
  }

  private async stopAll(error: { code: number; message: string }): Promise<void> {
    clearInterval(this.sweeper);
    const ended = [...this.sessions.values()].map((session) => this.endSession(session, error));
    await Promise.all([...ended, ...[...this.links].map((link) => link.stop())]);
  }

  private sharedLink(protocolVersion: unknown): Link | Refusal {
    if (this.shared) return this.shared;
    const link = this.newLink(true, undefined, typeof protocolVersion === 'string' ? protocolVersion : undefined);
    if (link instanceof Link) this.shared = link;
    return link;
  }

  private callerLink(user: string): Link | Refusal {
    const existing = this.callers.get(user);
    if (existing) return existing;
    const link = this.options.callerVariables.length === 0 ? this.takeSpare() ?? this.newLink(true, user) : this.newLink(true, user);
    if (link instanceof Link) this.callers.set(user, link);
    return link;
  }

  /** The prewarmed spare (of the kind this server's sharing uses), when it is alive. */
  private takeSpare(): Link | undefined {
    const spare = this.spare;
    if (!spare || (spare.state !== 'ready' && spare.state !== 'starting')) return undefined;
    this.spare = undefined;
    spare.keepWarm = false;
    return spare;
  }

  private fillSpare(): void {
    if (this.spare || this.ending || this.options.server.sharing === 'shared' || this.links.size >= this.options.server.maxProcesses) return;
    const link = this.newLink(this.options.server.sharing === 'per-caller', undefined);
    if (!(link instanceof Link)) return;
    link.keepWarm = true;
    this.spare = link;
  }

  private newLink(multiplexed: boolean, user: string | undefined, protocolVersion?: string): Link | Refusal {
    const { name, server } = this.options;
    if (this.links.size >= server.maxProcesses) {
      return {
        status: 503,
        code: 'TOO_MANY_PROCESSES',
        message: `"${name}" already runs ${this.links.size} processes, its maxProcesses`,
        hint: `End sessions you no longer use, or raise servers.${name}.maxProcesses`,
      };
    }
    const callerEnv = user !== undefined && this.options.callerVariables.length > 0 ? Object.fromEntries(this.options.callerVariables.map((v) => [v, user])) : {};
    const env = { ...this.options.spec.env, ...callerEnv };
    const spec = { ...this.options.spec, env, args: expandArgs(this.options.spec.args, env) };
    const metrics = this.options.metrics;
    const link = new Link({
      server: name,
      spec,
      multiplexed,
      startTimeoutMs: server.startTimeout,
      stopTimeoutMs: server.stopTimeout,
      logger: this.options.logger,
      redact: this.options.redact,
      ...(this.options.records ? { records: this.options.records } : {}),
      ...(protocolVersion ? { protocolVersion } : {}),
      events: {
        started: () => {
          this.starts += 1;
          metrics?.childStarted(name);
        },
        crashed: () => {
          this.crashes += 1;
          metrics?.childCrashed(name);
        },
        exited: () => metrics?.childExited(name),
      },
      onGone: (gone) => this.forget(gone),
    });
    this.links.add(link);
    link.start().catch(() => undefined);
    return link;
  }

  /** A link that stopped or failed: its sessions cannot go on without it. */
  private forget(link: Link): void {
    this.links.delete(link);
    if (this.shared === link) this.shared = undefined;
    if (this.spare === link) this.spare = undefined;
    for (const [user, l] of this.callers) if (l === link) this.callers.delete(user);
    for (const [key, l] of this.lanes) if (l === link) this.lanes.delete(key);
    for (const session of [...this.sessions.values()]) {
      if (session.link === link) void this.endSession(session, { code: -32001, message: `The session ended: the command of "${this.options.name}" stopped; send initialize again` });
    }
  }

  private sweep(): void {
    const now = Date.now();
    const { idleTimeout } = this.options.server;
    for (const session of [...this.sessions.values()]) {
      if (session.idle && now - session.lastActive > idleTimeout) {
        this.options.logger.info('session ended after being idle', { server: this.options.name, session: session.id });
        void this.endSession(session, { code: -32001, message: 'The session ended after being idle' });
      }
    }
    for (const link of [...this.links]) {
      if (link === this.spare || link.keepWarm || link.idleSince === undefined || now - link.idleSince <= idleTimeout) continue;
      if (link.peers.size === 0 && (link === this.shared || [...this.callers.values(), ...this.lanes.values()].includes(link))) void link.stop();
    }
  }
}
