// The process entry: answers a bare `--version` at once, loads the commander
// program (./program.ts) for everything else, and holds the one top-level
// catch that renders errors and picks the exit code. This is the only module
// that exits the process.
import { AppError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, ReportedError } from '../errors.js';
import { Redactor } from '../observability/redact.js';
import { VERSION } from '../version.js';
import type { CommandContext } from './context.js';

/** The program's version flags (as declared in ./program.ts). */
const VERSION_FLAGS = ['-v', '--version'];

/** Runs the CLI and returns the exit code; rendering every error here, redacted. */
export async function run(argv: string[], ctx: CommandContext): Promise<number> {
  // Agents and scripts probe installs with `--version`: print it as commander would, without loading commander.
  if (argv.length === 3 && VERSION_FLAGS.includes(argv[2] as string)) {
    ctx.stdout.write(`${VERSION}\n`);
    return EXIT_OK;
  }
  // `start` runs the daemon: no optimizing compiler while its modules load (see daemon/startup-compiler.ts).
  if (argv[2] === 'start') (await import('../daemon/startup-compiler.js')).holdOptimizingCompiler();
  const { buildProgram, checkHelpTopic, commanderExitCode } = await import('./program.js');
  const program = buildProgram(ctx);
  if (argv.length <= 2) {
    program.outputHelp();
    return EXIT_USAGE;
  }
  try {
    checkHelpTopic(program, argv);
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (error) {
    return commanderExitCode(error) ?? renderError(error, ctx);
  }
}

export function renderError(error: unknown, ctx: CommandContext): number {
  const write = (text: string) => ctx.stderr.write(`${ctx.redactor.redact(text)}\n`);
  if (error instanceof ReportedError) return error.exitCode;
  if (error instanceof AppError) {
    write(`error: ${error.message}`);
    if (error.hint) write(`hint: ${error.hint}`);
    return error.exitCode;
  }
  write(`error: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  write('hint: this is a bug in mcp-auth-proxy; please report it with the output above.');
  return EXIT_FAILURE;
}

/** The process entry (called by bin/mcp-auth-proxy.js). */
export async function main(): Promise<void> {
  // `mcp-auth-proxy --help | head`: the reader left; stop quietly, as other CLIs do, instead of a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(EXIT_OK);
      throw error;
    });
  }
  const ctx: CommandContext = {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    redactor: new Redactor(),
    exitNow: (code) => process.exit(code),
  };
  const code = await run(process.argv, ctx);
  process.exitCode = code;
  // Leave once output is flushed, even if a stray handle (a pooled socket) would keep us alive.
  setImmediate(() => process.exit(code)).unref();
}
