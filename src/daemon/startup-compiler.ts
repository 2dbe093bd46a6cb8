// Keeps V8's optimizing compiler (TurboFan) idle while the daemon starts:
// loading its modules is the only busy code of start-up, and optimizing
// node's module-loader functions for it pulls ~3.5 MB of the compiler's own
// machine code into memory that an idle daemon would hold for nothing.
import { setFlagsFromString } from 'node:v8';

/** Whether TurboFan is held off now; the flag is the process's, so this is too. */
let held = false;

/**
 * Turns TurboFan off until resumeOptimizingCompiler() (once the daemon
 * serves); from then on hot code is optimized as always, so the request path
 * loses nothing. V8 reads the flag at each decision to optimize, so switching
 * it at run time only delays optimizing.
 */
export function holdOptimizingCompiler(): void {
  setFlagsFromString('--no-turbofan');
  held = true;
}

export function resumeOptimizingCompiler(): void {
  if (!held) return;
  held = false;
  setFlagsFromString('--turbofan');
}
