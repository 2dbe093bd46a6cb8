// What every command receives instead of reaching for globals: environment,
// working directory, output streams, the redactor, and the one exit hook.
import type { Writable } from 'node:stream';
import type { Redactor } from '../observability/redact.js';

export interface CommandContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: Writable;
  stderr: Writable;
  redactor: Redactor;
  /** Immediate exit, for the second Ctrl-C only; everything else returns or throws. */
  exitNow: (code: number) => never;
}

/** What loadConfig says without stopping (an untrusted project file), as `warning:` lines on stderr. */
export function configWarnings(ctx: CommandContext): (message: string) => void {
  return (message) => ctx.stderr.write(`${ctx.redactor.redact(`warning: ${message}`)}\n`);
}

/** Writes a line to stdout, redacted. */
export function print(ctx: CommandContext, text = ''): void {
  ctx.stdout.write(`${ctx.redactor.redact(text)}\n`);
}
