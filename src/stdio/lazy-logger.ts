// The stdio bridge's logger: the same JSON lines on stderr, but the logger
// module (with the pretty renderer) loads only when a
// line at an enabled level is logged. A bridge that works logs nothing at the
// default level, so most runs never load it. Lines logged while it loads are
// written, in order, once it has.
import type { Logger, LoggerOptions } from '../observability/logger.js';

/** The log calls the bridge makes; the logger is one too. */
export interface BridgeLogger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
}

export interface LazyLogger extends BridgeLogger {
  /** The logger itself (loaded now if it is not yet), for parts that need one (OAuth refreshes). */
  load(): Promise<Logger>;
  /** Resolves once every line logged so far has reached the logger; await it before the process exits. */
  settled(): Promise<void>;
}

type Level = keyof BridgeLogger;
type LogArgs = [message: string, meta?: Record<string, unknown>];

/** npm's levels (lower is more severe): a line is written when it is at most the configured level. */
const SEVERITY: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 5 };

export function createLazyLogger(options: LoggerOptions): LazyLogger {
  let logger: Logger | undefined;
  let loading: Promise<Logger> | undefined;
  const pending: Array<[Level, LogArgs]> = [];
  const load = (): Promise<Logger> => {
    loading ??= import('../observability/logger.js').then(({ createLogger }) => {
      logger = createLogger(options);
      for (const [level, args] of pending.splice(0)) logger[level](...args);
      return logger;
    });
    return loading;
  };
  const method =
    (level: Level) =>
    (...args: LogArgs): void => {
      if (logger) {
        logger[level](...args);
        return;
      }
      if (SEVERITY[level] > SEVERITY[options.level]) return;
      pending.push([level, args]);
      // A failure to load surfaces from settled(), which the command awaits before it returns.
      load().catch(() => undefined);
    };
  return {
    error: method('error'),
    warn: method('warn'),
    info: method('info'),
    debug: method('debug'),
    load,
    settled: async () => {
      if (loading) await loading;
    },
  };
}
