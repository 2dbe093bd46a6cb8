// The logger: JSON lines on stderr (never stdout, which carries results and,
// for `stdio`, JSON-RPC), or the daemon's log file. A line is built only when
// its level is enabled, redacted by value as a whole (nothing a caller logs
// can leak a secret), and handed to the batch that writes it
// (batched-transport.ts). The lines are the ones winston wrote before it
// went: `{...fields,"level":…,"message":…,"timestamp":…}`. winston was a
// shell around this one format step and cost the daemon 6.7 MB of its idle
// RSS (measured: a bare node process 42.1 MB, with winston loaded and one
// line logged 48.8 MB) against a 50 MB budget; see the README's architecture
// section.
import type { Writable } from 'node:stream';
import type { LogLevel } from '../config/schema.js';
import { BatchedTransport } from './batched-transport.js';
import { isoNow } from './access-line.js';
import { prettyLine } from './pretty.js';
import type { Redactor } from './redact.js';

export type LogFormat = 'json' | 'pretty';

export interface LoggerOptions {
  level: LogLevel;
  redactor: Redactor;
  /** Where lines go; stderr by default. */
  stream?: Writable | { write(text: string): unknown };
  /** JSON lines (default), or readable lines for a terminal (see pretty.ts). */
  format?: LogFormat;
  /** With the pretty format: ANSI colours. */
  colour?: boolean;
}

type Fields = Record<string, unknown>;

/** Lower is more severe (npm's levels, as winston numbered them): a line is written when it is at most the level. */
const SEVERITY: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 5 };

/** What the code logs through: four levels, each a message and optional fields. */
export class Logger {
  /** The most detailed level written; a reload may change it. */
  level: LogLevel;

  constructor(
    level: LogLevel,
    /** Writes nothing at all (a logger for one-shot checks). */
    readonly silent: boolean,
    private readonly redactor: Redactor | undefined,
    private readonly batch: BatchedTransport | undefined,
  ) {
    this.level = level;
  }

  enabled(level: LogLevel): boolean {
    return !this.silent && SEVERITY[level] <= SEVERITY[this.level];
  }

  /** Writes the lines still held now; call before exiting the process. */
  flush(): void {
    this.batch?.flush();
  }

  /** Redacts a finished line and queues it (`later`: the access log's line per request, see batched-transport.ts). */
  writeLine(line: string, later = false): void {
    this.batch?.writeLine(this.redactor ? this.redactor.redact(line) : line, later);
  }

  private log(level: LogLevel, message: string, fields: Fields | undefined): void {
    if (!this.enabled(level)) return;
    // winston's layout: the caller's fields first, then level and message (a `message` field is appended to it).
    const line: Fields = fields === undefined ? { message, level } : { ...fields, level, message };
    if (fields && typeof fields.message === 'string' && fields.message !== '') line.message = `${message} ${fields.message}`;
    line.timestamp = isoNow();
    this.writeLine(JSON.stringify(line));
  }

  error(message: string, fields?: Fields): void {
    this.log('error', message, fields);
  }

  warn(message: string, fields?: Fields): void {
    this.log('warn', message, fields);
  }

  info(message: string, fields?: Fields): void {
    this.log('info', message, fields);
  }

  debug(message: string, fields?: Fields): void {
    this.log('debug', message, fields);
  }
}

export function createLogger(options: LoggerOptions): Logger {
  const { redactor } = options;
  const render = options.format === 'pretty' ? prettyRenderer(redactor, Boolean(options.colour)) : undefined;
  return new Logger(options.level, false, redactor, new BatchedTransport(options.stream ?? process.stderr, render));
}

/** The access log's way out: whether the level lets info lines through now, and the write of one finished line. */
export interface InfoLineWriter {
  enabled(): boolean;
  /** One finished info line, JSON without a newline; redacted here. */
  write(line: string): void;
}

/**
 * A writer for one finished info line (JSON, no newline) per request: the
 * access log, built by access-line.ts without an object per line and
 * written in batches that wait a little longer (batched-transport.ts),
 * redacted like every other line. enabled() reads the logger's level as it
 * is at each call (reload can change it), so a line below the level is
 * never built.
 */
export function infoLineWriter(logger: Logger): InfoLineWriter {
  return { enabled: () => logger.enabled('info'), write: (line) => logger.writeLine(line, true) };
}

/** Renders redacted JSON lines readably, and redacts the result again (unescaping JSON must not undo a redaction). */
function prettyRenderer(redactor: Redactor, colour: boolean): (line: string) => string {
  return (line) => redactor.redact(prettyLine(line, { colour }));
}

/** Writes the lines a logger still holds now; call before exiting the process. */
export function flushLogger(logger: Logger): void {
  logger.flush();
}

/** A logger that writes nothing, for one-shot commands that build proxy parts (doctor, login checks). */
export function silentLogger(): Logger {
  return new Logger('error', true, undefined, undefined);
}
