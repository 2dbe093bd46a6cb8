// Staged shutdown on signals: the first SIGINT/SIGTERM asks for a graceful
// stop; a second one means "now" and exits at once.

export interface SignalOptions {
  onFirst: (signal: NodeJS.Signals) => void;
  onSecond: (signal: NodeJS.Signals) => void;
}

/** Installs the handlers; returns a function that removes them. */
export function onShutdownSignals(options: SignalOptions): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals) => {
    received += 1;
    if (received === 1) options.onFirst(signal);
    else options.onSecond(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
