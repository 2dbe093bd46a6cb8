// winston logger: JSON lines on stderr (never stdout, which carries results
// and, for `stdio`, JSON-RPC). The last format step redacts secret values from
// the finished line, so nothing a caller logs can leak one.
import type { Writable } from 'node:stream';
import winston from 'winston';
import type { LogLevel } from '../config/schema.js';
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
  const redactLine = winston.format((info) => {
    const line = (info as Record<symbol, unknown>)[MESSAGE];
    if (typeof line === 'string') (info as Record<symbol, unknown>)[MESSAGE] = redactor.redact(line);
    return info;
  });
  return winston.createLogger({
    level: options.level,
    format: winston.format.combine(
      winston.format.errors({ stack: false }),
      winston.format.timestamp(),
      winston.format.json(),
      redactLine(),
    ),
    transports: [new winston.transports.Stream({ stream: options.stream ?? process.stderr })],
  });
}
