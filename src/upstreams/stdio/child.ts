// One command-server process: started as the leader of its own group with
// a clean environment, stdout split into JSON-RPC lines, stderr lines handed
// to the log (redacted there, and rationed so a chatty server cannot flood
// it), and stopped group and all: SIGTERM, then SIGKILL once the grace is
// over. A leader that dies on its own takes what it started with it.
import type { ChildProcess } from 'node:child_process';
import { LineSplitter } from './lines.js';
import { groupAlive, signalGroup, spawnGroup, type SpawnSpec } from './process-group.js';
import type { ProcessRecords } from './process-records.js';

/** A JSON-RPC line longer than this is a broken child, not a message. */
const MAX_LINE_BYTES = 64 * 1024 * 1024;
/** stderr lines logged per child per window; the rest are counted and reported once the window ends. */
const STDERR_BUDGET = 50;
const STDERR_WINDOW_MS = 10_000;
const STDERR_LINE_CHARS = 2_000;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The spawn itself failed (ENOENT, EACCES...). */
  error?: NodeJS.ErrnoException;
  /** Whether stop() asked for it. */
  stopped: boolean;
}

export interface ChildOptions {
  server: string;
  spec: SpawnSpec;
  records?: ProcessRecords;
  onLine: (line: string) => void;
  /** A line of stderr, or a note that `dropped` lines were not logged. */
  onStderr: (line: string, dropped?: number) => void;
  onOverflow: () => void;
  onExit: (exit: ChildExit) => void;
  platform?: NodeJS.Platform;
}

export class Child {
  readonly startedAt = Date.now();
  private readonly process: ChildProcess;
  private exited: ChildExit | undefined;
  private stopping: Promise<void> | undefined;
  private readonly exitWaiters: Array<() => void> = [];
  private readonly platform: NodeJS.Platform;

  constructor(private readonly options: ChildOptions) {
    this.platform = options.platform ?? process.platform;
    this.process = spawnGroup(options.spec, this.platform);
    const pid = this.process.pid;
    if (pid !== undefined) options.records?.add(pid, options.server, options.spec.command);
    const lines = new LineSplitter(MAX_LINE_BYTES, options.onLine, options.onOverflow);
    this.process.stdout?.on('data', (chunk: Buffer) => lines.push(chunk));
    this.readStderr();
    // A child that stops reading (or is gone) must not throw into the proxy: its exit is what counts.
    this.process.stdin?.on('error', () => undefined);
    this.process.once('error', (error: NodeJS.ErrnoException) => {
      if (this.process.pid === undefined) this.finish({ code: null, signal: null, error, stopped: false });
    });
    this.process.once('exit', (code, signal) => this.finish({ code, signal, stopped: this.stopping !== undefined }));
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  /** Writes one message line (the newline is added). */
  write(line: string | Buffer): void {
    if (this.exited || !this.process.stdin?.writable) return;
    if (typeof line === 'string') this.process.stdin.write(`${line}\n`);
    else {
      this.process.stdin.write(line);
      this.process.stdin.write('\n');
    }
  }

  /**
   * Ends the process group the way the MCP stdio transport asks: its stdin is
   * closed (most servers exit on that, answers written), then SIGTERM to the
   * group if anything of it still runs, then SIGKILL once `graceMs` is over
   * (Windows: a forced taskkill of the tree, the only way to end one there).
   */
  stop(graceMs: number): Promise<void> {
    this.stopping ??= (async () => {
      const pid = this.process.pid;
      if (pid === undefined) return;
      const deadline = Date.now() + graceMs;
      this.process.stdin?.end();
      await this.exitOrDeadline(Date.now() + Math.min(graceMs / 2, 2_000));
      if (this.exited === undefined || groupAlive(pid, this.platform)) signalGroup(pid, this.platform === 'win32' ? 'SIGKILL' : 'SIGTERM', this.platform);
      await this.exitOrDeadline(deadline);
      await this.groupGoneOrDeadline(pid, deadline);
      if (groupAlive(pid, this.platform) || this.exited === undefined) signalGroup(pid, 'SIGKILL', this.platform);
      await this.exitOrDeadline(Date.now() + 5_000);
      this.options.records?.remove(pid);
    })();
    return this.stopping;
  }

  /** Closes the process's stdin (the MCP way to ask a stdio server to exit), leaving the rest to stop(). */
  endInput(): void {
    this.process.stdin?.end();
  }

  /** Resolves when the process has exited, or after `ms`. */
  waitExit(ms: number): Promise<void> {
    return this.exitOrDeadline(Date.now() + ms);
  }

  private finish(exit: ChildExit): void {
    if (this.exited) return;
    this.exited = exit;
    for (const wake of this.exitWaiters.splice(0)) wake();
    const pid = this.process.pid;
    if (pid !== undefined && this.stopping === undefined) {
      // Died on its own: whatever it started (npx's server) goes too, and its record with it.
      if (groupAlive(pid, this.platform)) signalGroup(pid, 'SIGKILL', this.platform);
      this.options.records?.remove(pid);
    }
    this.options.onExit(exit);
  }

  private exitOrDeadline(deadline: number): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      // Kept referenced: a stop in progress keeps the process alive until it is done (bounded by the grace).
      const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The processes the leader started may outlive it by a moment: they get the rest of the grace. */
  private async groupGoneOrDeadline(pid: number, deadline: number): Promise<void> {
    while (Date.now() < deadline && groupAlive(pid, this.platform)) await new Promise((resolve) => setTimeout(resolve, 25));
  }

  private readStderr(): void {
    let budget = STDERR_BUDGET;
    let dropped = 0;
    let windowEnds = 0;
    let partial = '';
    const emit = (line: string) => {
      const now = Date.now();
      if (now >= windowEnds) {
        if (dropped > 0) this.options.onStderr('', dropped);
        dropped = 0;
        budget = STDERR_BUDGET;
        windowEnds = now + STDERR_WINDOW_MS;
      }
      if (budget-- > 0) this.options.onStderr(line.length > STDERR_LINE_CHARS ? `${line.slice(0, STDERR_LINE_CHARS)}…` : line);
      else dropped++;
    };
    this.process.stderr?.setEncoding('utf8').on('data', (text: string) => {
      const parts = (partial + text).split('\n');
      partial = (parts.pop() ?? '').slice(-STDERR_LINE_CHARS * 2);
      for (const part of parts) if (part.trim() !== '') emit(part.replace(/\r$/, ''));
    });
    this.process.stderr?.once('end', () => {
      if (partial.trim() !== '') emit(partial);
      if (dropped > 0) this.options.onStderr('', dropped);
    });
  }
}
