// `mcp-auth-proxy stdio <server>` for a command server, for agents that
// launch commands: the command starts in its own process group with the
// clean environment and its secrets from the keychain, the agent's lines go
// to it as they are, and its lines come back through the same redaction as
// all of the bridge's stdout (its own secret values never reach the agent's
// transcript). Its stderr goes to the bridge's log. When stdin closes (or a
// signal comes) the group is stopped; when the command exits, so does the
// bridge, with its exit code.
import type { CommandServerConfig } from '../config/command-schema.js';
import { AppError } from '../errors.js';
import type { Redactor } from '../observability/redact.js';
import type { SecretResolver } from '../secrets/resolve.js';
import { Child } from '../upstreams/stdio/child.js';
import { LineSplitter } from '../upstreams/stdio/lines.js';
import { expandArgs, resolveCommand } from '../upstreams/stdio/spec.js';
import type { BridgeLogger } from './lazy-logger.js';
import { redactingOutput } from './redacting-output.js';

export interface CommandBridgeOptions {
  name: string;
  server: CommandServerConfig;
  secrets: SecretResolver;
  logger: BridgeLogger;
  redactor: Redactor;
  env: NodeJS.ProcessEnv;
  stdin?: NodeJS.ReadableStream;
  stdout?: NodeJS.WritableStream;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Runs the bridge; resolves with the exit code the bridge should have. */
export async function runCommandBridge(options: CommandBridgeOptions): Promise<number> {
  const { name, server, logger } = options;
  const stdin = options.stdin ?? process.stdin;
  const out = redactingOutput(options.stdout ?? process.stdout, options.redactor);
  let resolved: Awaited<ReturnType<typeof resolveCommand>>;
  try {
    if (Object.values(server.env).includes('$caller')) throw new AppError('NO_CALLER', `"${name}" starts a process per caller (team mode): it is reached through the daemon, not the stdio bridge`, { hint: 'Point the agent at the proxy\'s URL instead' });
    resolved = await resolveCommand(name, server, options.secrets, options.env);
  } catch (error) {
    const cause = error instanceof AppError ? error : new AppError('CREDENTIAL_UNAVAILABLE', String(error));
    logger.error('cannot start the command; every request will get this error', { server: name, error: cause.message, hint: cause.hint });
    return answerWithError(stdin, out, name, cause);
  }
  const spec = { ...resolved.spec, args: expandArgs(resolved.spec.args, resolved.spec.env) };
  return new Promise<number>((resolve) => {
    let ending = false;
    const child = new Child({
      server: name,
      spec,
      onLine: (line) => out.write(`${line}\n`),
      onStderr: (line, dropped) => (dropped ? logger.info('command stderr: lines not logged (too many)', { server: name, dropped }) : logger.info('command stderr', { server: name, line })),
      onOverflow: () => {
        logger.error('the command wrote a line longer than 64 MiB on stdout; stopping it', { server: name });
        void child.stop(server.stopTimeout);
      },
      onExit: (exit) => {
        if (exit.error) logger.error('cannot start the command', { server: name, command: spec.command, error: exit.error.code ?? exit.error.message });
        else if (!ending) logger.warn('the command exited', { server: name, code: exit.code, signal: exit.signal });
        for (const signal of SIGNALS) process.off(signal, finish);
        out.end(() => resolve(ending ? 0 : exit.error ? 1 : (exit.code ?? 1)));
      },
    });
    const lines = new LineSplitter(64 * 1024 * 1024, (line) => child.write(line), () => logger.warn('a line on stdin longer than 64 MiB was dropped', { server: name }));
    stdin.on('data', (chunk: Buffer | string) => lines.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    const finish = () => {
      if (ending) return;
      ending = true;
      void child.stop(server.stopTimeout);
    };
    // The agent closed stdin: the command's stdin closes too, and it gets the grace to answer and exit on its own.
    const inputEnded = () => {
      if (ending) return;
      ending = true;
      child.endInput();
      void child.waitExit(server.stopTimeout).then(() => child.stop(server.stopTimeout));
    };
    for (const signal of SIGNALS) process.once(signal, finish);
    stdin.once('end', inputEnded);
    stdin.once('close', inputEnded);
  });
}

/** Without a command to run, every request still gets an answer: the reason and the fix. */
function answerWithError(stdin: NodeJS.ReadableStream, out: NodeJS.WritableStream, name: string, cause: AppError): Promise<number> {
  return new Promise((resolve) => {
    const lines = new LineSplitter(64 * 1024 * 1024, (line) => {
      let id: unknown;
      try {
        const message = JSON.parse(line) as { id?: unknown; method?: unknown };
        id = typeof message.method === 'string' ? message.id : undefined;
      } catch {
        id = undefined;
      }
      if (id === undefined || id === null) return;
      out.write(`${JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32004, message: `${cause.message}${cause.hint ? `. ${cause.hint}` : ''}`, data: { code: cause.code, server: name } } })}\n`);
    }, () => undefined);
    stdin.on('data', (chunk: Buffer | string) => lines.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    stdin.once('end', () => out.end(() => resolve(0)));
  });
}
