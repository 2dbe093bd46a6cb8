// Error classes with stable codes and hints. Everything below the CLI throws
// these; src/cli/main.ts renders them once and maps them to exit codes.

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface AppErrorOptions {
  /** What to run or change to fix it, shown under the message. */
  hint?: string;
  cause?: unknown;
  exitCode?: number;
}

/** An error a user can hit: stable `code`, human message, actionable hint. */
export class AppError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
  }
}

/** Bad command-line usage (exit 2). */
export class UsageError extends AppError {
  constructor(message: string, hint?: string) {
    super('USAGE', message, { hint, exitCode: EXIT_USAGE });
    this.name = 'UsageError';
  }
}

/** One problem found while validating config: where, which field, what is wrong. */
export interface ConfigProblem {
  /** The file (or layer label such as `environment`) the value came from. */
  source: string;
  /** Dotted path of the field, e.g. `servers.gateway.auth.secret`. */
  path: string;
  message: string;
}

/** Every config problem at once, each as `file: field.path: message` (exit 2). */
export class ConfigError extends AppError {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[], hint?: string) {
    const lines = problems.map((p) => `  ${p.source}: ${p.path || '(root)'}: ${p.message}`);
    super('CONFIG_INVALID', `Invalid configuration:\n${lines.join('\n')}`, {
      hint: hint ?? 'Fix the fields above; `mcp-auth-proxy.config.example.json` shows every field.',
      exitCode: EXIT_USAGE,
    });
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** A secret reference that cannot be resolved (missing env var, bad file mode...). */
export class SecretError extends AppError {
  constructor(code: string, message: string, hint: string, cause?: unknown) {
    super(code, message, { hint, cause });
    this.name = 'SecretError';
  }
}

/** The failure was already shown to the user; just exit with this code. */
export class ReportedError extends Error {
  readonly exitCode: number;
  constructor(exitCode: number = EXIT_FAILURE) {
    super('already reported');
    this.name = 'ReportedError';
    this.exitCode = exitCode;
  }
}
