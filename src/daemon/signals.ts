// Staged shutdown on signals: the first SIGINT/SIGTERM asks for a graceful
// stop; a second one means "now" and exits at once. And SIGUSR1, which would
// open Node's inspector, is kept from doing so.

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

/** Node flags that ask for the inspector on purpose: with one of them, SIGUSR1 keeps Node's meaning. */
const INSPECT_FLAG = /^--(inspect(-brk|-wait|-port)?|debug-port)(=|$)/;

/**
 * Node opens the V8 inspector on 127.0.0.1:9229 when it receives SIGUSR1,
 * and anyone on the machine who connects first can run code in the process
 * and read every secret in it. Installing a listener keeps it closed. A
 * deliberate `--inspect*` flag (node's arguments or NODE_OPTIONS) leaves
 * Node's behaviour alone. Returns whether the listener was installed.
 */
export function keepInspectorClosed(onSignal: () => void, options: { execArgv?: string[]; nodeOptions?: string } = {}): boolean {
  if (process.platform === 'win32') return false;
  const flags = [...(options.execArgv ?? process.execArgv), ...(options.nodeOptions ?? process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (flags.some((flag) => INSPECT_FLAG.test(flag))) return false;
  process.on('SIGUSR1', onSignal);
  return true;
}
