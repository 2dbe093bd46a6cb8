// winston logger: JSON lines on stderr (never stdout, which carries results
// and, for `stdio`, JSON-RPC). One format step builds the whole line and
// redacts secret values from it, so nothing a caller logs can leak one; it is
// a single JSON.stringify because a line is written for every request.
import type { Writable } from 'node:stream';
import winston from 'winston';
import type { LogLevel } from '../config/schema.js';
import { BatchedTransport } from './batched-transport.js';
import type { Redactor } from './redact.js';

export type Logger = winston.Logger;

export interface LoggerOptions {
  level: LogLevel;
  redactor: Redactor;
  /** Where lines go; stderr by default. */
  stream?: Writable;
}

const MESSAGE = Symbol.for('message');

export function createLogger(options: LoggerOptions): Logger {
  const { redactor } = options;
  const jsonLine = winston.format((info) => {
    info.timestamp = new Date().toISOString();
    const line = JSON.stringify(info);
    (info as Record<symbol, unknown>)[MESSAGE] = redactor.redact(line);
    return info;
  });
  return winston.createLogger({
    level: options.level,
    format: jsonLine(),
    transports: [new BatchedTransport(options.stream ?? process.stderr)],
  });
}

/** Flushes batched log lines now; call before exiting the process. */
export function flushLogger(logger: Logger): void {
  for (const transport of logger.transports) if (transport instanceof BatchedTransport) transport.flush();
}

/** A logger that writes nothing, for one-shot commands that build proxy parts (doctor, login checks). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true });
}
