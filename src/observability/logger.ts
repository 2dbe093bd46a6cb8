// winston logger: JSON lines on stderr (never stdout, which carries results
// and, for `stdio`, JSON-RPC). One format step builds the whole line and
// redacts secret values from it, so nothing a caller logs can leak one; it is
// a single JSON.stringify because a line is written for every request.
import type { Writable } from 'node:stream';
import winston from 'winston';
import type { LogLevel } from '../config/schema.js';
import { BatchedTransport } from './batched-transport.js';
import { isoNow } from './access-line.js';
import { prettyLine } from './pretty.js';
import type { Redactor } from './redact.js';

export type Logger = winston.Logger;

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

const MESSAGE = Symbol.for('message');

const redactors = new WeakMap<Logger, Redactor>();

export function createLogger(options: LoggerOptions): Logger {
  const { redactor } = options;
  const jsonLine = winston.format((info) => {
    info.timestamp = isoNow();
    const line = JSON.stringify(info);
    (info as Record<symbol, unknown>)[MESSAGE] = redactor.redact(line);
    return info;
  });
  const logger = winston.createLogger({
    level: options.level,
    format: jsonLine(),
    transports: [new BatchedTransport(options.stream ?? process.stderr, options.format === 'pretty' ? prettyRenderer(redactor, Boolean(options.colour)) : undefined)],
  });
  redactors.set(logger, redactor);
  return logger;
}

/** The access log's way out: whether the level lets info lines through now, and the write of one finished line. */
export interface InfoLineWriter {
  enabled(): boolean;
  /** One finished info line, JSON without a newline; redacted here. */
  write(line: string): void;
}

/**
 * A writer for one finished info line (JSON, no newline) per request: the
 * access log. winston's object-mode stream pipeline costs more per line than
 * the rest of a proxied request's own work, so the line written for every
 * request skips it and goes straight to the batch, redacted like every other
 * line. enabled() reads the logger's level as it is at each call (reload can
 * change it), so a line below the level is never built.
 */
export function infoLineWriter(logger: Logger): InfoLineWriter {
  const redactor = redactors.get(logger);
  const batch = logger.transports.find((t): t is BatchedTransport => t instanceof BatchedTransport);
  const infoLevel = logger.levels.info ?? 2;
  return {
    enabled: () => !logger.silent && (logger.levels[logger.level] ?? 0) >= infoLevel,
    write:
      redactor && batch
        ? (line) => batch.writeLine(redactor.redact(line), true)
        : (line) => {
            const { message, level: _level, timestamp: _at, ...fields } = JSON.parse(line) as Record<string, unknown>;
            logger.info(String(message), fields);
          },
  };
}

/** Renders redacted JSON lines readably, and redacts the result again (unescaping JSON must not undo a redaction). */
function prettyRenderer(redactor: Redactor, colour: boolean): (line: string) => string {
  return (line) => redactor.redact(prettyLine(line, { colour }));
}

/** Flushes batched log lines now; call before exiting the process. */
export function flushLogger(logger: Logger): void {
  for (const transport of logger.transports) if (transport instanceof BatchedTransport) transport.flush();
}

/** A logger that writes nothing, for one-shot commands that build proxy parts (doctor, login checks). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true });
}
