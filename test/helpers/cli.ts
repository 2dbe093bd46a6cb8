// Runs the built CLI (bin/mcp-auth-proxy.js, as users run it) as a child
// process. `npm test` builds dist/ first (pretest).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/mcp-auth-proxy.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to the child's stdin, which is then closed; without it stdin is /dev/null (not a TTY). */
  input?: string;
}

/** A clean environment: no inherited MCP_* variables or user config. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_OPTIONS: '' };
  return { ...env, ...extra };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return finished(spawnCli(args, options));
}

export function spawnCli(args: string[], options: CliOptions = {}): ChildProcess & { out: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: options.env ?? cleanEnv(),
    cwd: options.cwd ?? process.cwd(),
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  }) as ChildProcess & { out: { stdout: string; stderr: string } };
  child.out = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (child.out.stdout += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (child.out.stderr += c));
  if (options.input !== undefined) child.stdin?.end(options.input);
  return child;
}

export function finished(child: ChildProcess & { out: { stdout: string; stderr: string } }): Promise<CliResult> {
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, ...child.out }));
  });
}

/** Resolves with the match once the child's stdout (or `stream`) text matches `pattern`. */
export function waitForOutput(
  child: ChildProcess & { out: { stdout: string; stderr: string } },
  pattern: RegExp,
  stream: 'stdout' | 'stderr' = 'stdout',
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(child.out[stream]);
      if (m) {
        child[stream]?.off('data', check);
        resolve(m);
      }
    };
    child[stream]?.on('data', check);
    child.once('close', () => reject(new Error(`exited before printing ${pattern}; stderr: ${child.out.stderr}`)));
    check();
  });
}

/** Runs the CLI with `input` on its stdin (for `login --stdin`). */
export function runCliWithInput(args: string[], input: string, options: CliOptions = {}): Promise<CliResult> {
  return finished(spawnCli(args, { ...options, input }));
}
