// The opt-in audit log: one JSON line per tools/call (time, acting identity,
// server, tool, outcome, duration; arguments only when asked), redacted whole,
// queued and written off the request path to <state dir>/audit.jsonl
// (rotation in audit-file.ts). A failing disk never throws into a request:
// it is reported once, the lines are counted, and when writing works again an
// `audit-gap` line says how many were lost.
import { createAuditFile, type AuditLine } from './audit-file.js';
import type { Redactor } from './redact.js';

export { AUDIT_FILE } from './audit-file.js';

/** Lines waiting for a slow or stuck disk past this are dropped (and counted), not held in memory. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;
/**
 * How long one turn of the event loop may spend turning queued calls into
 * lines (serialising, redacting): a batch of tens of thousands of tool calls
 * is spread over many turns, and requests (/healthz too) are served between.
 */
const SLICE_MS = 4;

export interface AuditEntry {
  /** ISO 8601; the clock's time when absent. */
  time?: string;
  requestId: string;
  server: string;
  /** The tool called; for a resources/read or prompts/get the policy refused, `resource` or `prompt` instead. */
  tool?: string;
  resource?: string;
  prompt?: string;
  /** For a call the policy refused (outcome `denied`): the rule that decided, or "default". */
  rule?: string;
  /** Who the upstream sees acting: the act-as user, the key id, or the scheme. */
  identity: string;
  /** The local user, or in team mode the verified caller's email. */
  caller: string;
  /** Team mode: how the caller proved who it is, and the API key id when it used one. */
  callerMethod?: string;
  keyId?: string;
  outcome: string;
  status?: number;
  rpcError?: { code: number; message: string };
  durationMs: number;
  /** Written only when the log was created with includeArguments. */
  arguments?: unknown;
}

export interface AuditLogOptions {
  /** The state directory; the log is `audit.jsonl` in it. */
  dir: string;
  /** audit.jsonl is rotated before a line would take it past this. */
  maxBytes: number;
  /** Rotated files kept; older ones are deleted. */
  keep: number;
  includeArguments: boolean;
  /** Every line passes through it whole before it is written. */
  redactor: Redactor;
  /** The clock: line times and the UTC day that rotates the file. */
  now?: () => Date;
  /** Called when writing starts failing; not again until a write has worked in between. */
  onError?: (error: Error) => void;
}

export interface AuditLog {
  readonly includeArguments: boolean;
  /** Queues one line; never throws and never waits for the disk. */
  record(entry: AuditEntry): void;
  /**
   * Queues the lines `entries` yields, in order, pulling a few milliseconds'
   * worth per turn of the event loop: one request's huge batch never holds the
   * loop. A step may yield undefined (work done, no line). Never throws; an
   * iterator that throws is reported and dropped.
   */
  recordAll(entries: Iterator<AuditEntry | undefined>): void;
  /** Resolves once every line recorded so far (recordAll's included) is written (or counted as lost). */
  flush(): Promise<void>;
  /** Flushes and closes the file; safe to call twice. Later records are ignored. */
  close(): Promise<void>;
}

export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { includeArguments, redactor } = options;
  const now = options.now ?? (() => new Date());
  const file = createAuditFile({ dir: options.dir, maxBytes: options.maxBytes, keep: options.keep, onError: report });
  let queue: AuditLine[] = [];
  let queuedBytes = 0;
  let writing: Promise<void> | undefined;
  let closed = false;
  /** An error was reported; the next one is not, until a write works. */
  let failing = false;
  let lost = 0;
  let lostSince = '';

  function report(error: unknown): void {
    if (failing) return;
    failing = true;
    try {
      options.onError?.(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // The reporter's own failure must not reach the request path either.
    }
  }

  function lose(count: number, at: number): void {
    if (count === 0) return;
    if (lost === 0) lostSince = new Date(at).toISOString();
    lost += count;
  }

  async function write(lines: AuditLine[]): Promise<void> {
    const gap = lost;
    const first = lines[0] as AuditLine;
    const batch = gap > 0 ? [line({ time: new Date(first.at).toISOString(), event: 'audit-gap', lostLines: gap, since: lostSince }, first.at), ...lines] : lines;
    const { written, error } = await file.write(batch);
    if (written > 0) {
      failing = false;
      lost -= gap;
    }
    if (error !== undefined) {
      report(error);
      const rest = lines.slice(Math.max(0, written - (batch.length - lines.length)));
      lose(rest.length, (rest[0] ?? first).at);
    }
  }

  async function drain(): Promise<void> {
    try {
      // Lines recorded in the same turn of the event loop leave in one write.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (queue.length > 0) {
        const lines = queue;
        queue = [];
        queuedBytes = 0;
        await write(lines);
      }
    } finally {
      writing = undefined;
    }
  }

  /** Entries still to be turned into lines, oldest first. */
  const jobs: Array<Iterator<AuditEntry | undefined>> = [];
  let slicing: Promise<void> | undefined;

  async function slice(): Promise<void> {
    try {
      while (jobs.length > 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        // Lines are made faster than a disk takes them: let the queue drain rather than drop them.
        if (queuedBytes > MAX_PENDING_BYTES / 2 && writing) await writing;
        const deadline = performance.now() + SLICE_MS;
        while (jobs.length > 0 && performance.now() < deadline) {
          const job = jobs[0] as Iterator<AuditEntry | undefined>;
          // A few steps between clock reads: reading it costs more than a small line.
          for (let n = 0; n < 16; n++) {
            let step: IteratorResult<AuditEntry | undefined>;
            try {
              step = job.next();
            } catch (error) {
              report(error);
              step = { done: true, value: undefined };
            }
            if (step.done) {
              jobs.shift();
              break;
            }
            if (step.value) {
              try {
                enqueue(step.value);
              } catch (error) {
                report(error);
              }
            }
          }
        }
      }
    } finally {
      slicing = undefined;
    }
  }

  /** Builds the line (serialised, redacted) and queues it for the disk. */
  function enqueue(entry: AuditEntry): void {
    const at = now().getTime();
    const next = line(
      {
        time: entry.time ?? new Date(at).toISOString(),
        requestId: entry.requestId,
        server: entry.server,
        tool: entry.tool,
        resource: entry.resource,
        prompt: entry.prompt,
        identity: entry.identity,
        caller: entry.caller,
        callerMethod: entry.callerMethod,
        keyId: entry.keyId,
        outcome: entry.outcome,
        rule: entry.rule,
        status: entry.status,
        rpcError: entry.rpcError,
        durationMs: entry.durationMs,
        arguments: includeArguments ? entry.arguments : undefined,
      },
      at,
      redactor,
    );
    if (queuedBytes + next.bytes > MAX_PENDING_BYTES) {
      report(new Error(`audit log writes to ${options.dir} are falling behind; lines are being dropped`));
      lose(1, at);
      return;
    }
    queue.push(next);
    queuedBytes += next.bytes;
    writing ??= drain();
  }

  async function flush(): Promise<void> {
    while (slicing || writing) await (slicing ?? writing);
  }

  return {
    includeArguments,
    flush,

    record(entry) {
      if (closed) return;
      try {
        enqueue(entry);
      } catch (error) {
        report(error);
      }
    },

    recordAll(entries) {
      if (closed) return;
      jobs.push(entries);
      slicing ??= slice();
    },

    async close() {
      closed = true;
      await flush();
      await file.close();
    },
  };
}

/** One line: the whole serialised text redacted, so no registered secret value reaches the disk. */
function line(fields: Record<string, unknown>, at: number, redactor?: Redactor): AuditLine {
  const json = JSON.stringify(fields);
  const text = redactor ? redactor.redact(json) : json;
  return { text, bytes: Buffer.byteLength(text) + 1, day: new Date(at).toISOString().slice(0, 10), at };
}
