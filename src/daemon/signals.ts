// Staged shutdown on signals: the first SIGINT/SIGTERM asks for a graceful
// stop; a second one means "now" and exits at once.

export interface SignalOptions {
  onFirst: (signal: NodeJS.Signals) => void;
  onSecond: (signal: NodeJS.Signals) => void;
  /** Treat SIGHUP (the terminal went away) as a stop request too. */
  hangup?: boolean;
}

/** Installs the handlers; returns a function that removes them. */
export function onShutdownSignals(options: SignalOptions): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals) => {
    received += 1;
    if (received === 1) options.onFirst(signal);
    else options.onSecond(signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', ...(options.hangup && process.platform !== 'win32' ? (['SIGHUP'] as const) : [])];
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
