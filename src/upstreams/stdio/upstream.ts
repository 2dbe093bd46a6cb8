// A command server as the proxy serves it: beside the HTTP upstreams in the
// same table, behind /{server}/mcp. Built at start and at each reload from
// its config entry; a reload that leaves what the process starts with
// unchanged (secret values included) keeps its processes and sessions, any
// other change gets new ones while the old drain.
import type { CommandServerConfig } from '../../config/command-schema.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../observability/logger.js';
import type { SecretResolver } from '../../secrets/resolve.js';
import type { ProcessRecords } from './process-records.js';
import { CommandRuntime, type ChildMetrics } from './runtime.js';
import { resolveCommand } from './spec.js';

export interface CommandUpstream {
  readonly kind: 'command';
  readonly name: string;
  config: CommandServerConfig;
  /** Absent when a secret of its env could not be read: `credentialError` says why. */
  runtime: CommandRuntime | undefined;
  credentialError: AppError | undefined;
  fingerprint: string | undefined;
  /** Interval of `: keepalive` comments on its GET streams. */
  heartbeatMs: number;
  last?: { at: number; status?: number; error?: string; latencyMs: number };
}

export interface CommandBuildOptions {
  secrets: SecretResolver;
  logger: Logger;
  heartbeatMs: number;
  metrics?: ChildMetrics;
  records?: ProcessRecords;
  /** The same server before a reload. */
  previous?: CommandUpstream;
  env?: NodeJS.ProcessEnv;
}

export async function buildCommandUpstream(name: string, server: CommandServerConfig, options: CommandBuildOptions): Promise<CommandUpstream> {
  const upstream: CommandUpstream = { kind: 'command', name, config: server, runtime: undefined, credentialError: undefined, fingerprint: undefined, heartbeatMs: options.heartbeatMs };
  await resolveInto(upstream, options);
  return upstream;
}

/**
 * Reads the server's secrets again (`login` changed one, or a reload): the
 * same values keep the running processes, new ones start new processes for
 * new sessions while the old ones drain.
 */
export async function refreshCommandUpstream(upstream: CommandUpstream, server: CommandServerConfig, options: Omit<CommandBuildOptions, 'previous'>): Promise<void> {
  const before = upstream.runtime;
  upstream.config = server;
  await resolveInto(upstream, { ...options, previous: { ...upstream } });
  if (before && before !== upstream.runtime) void before.drain();
}

async function resolveInto(upstream: CommandUpstream, options: CommandBuildOptions): Promise<void> {
  const { name, config: server } = upstream;
  try {
    const resolved = await resolveCommand(name, server, options.secrets, options.env);
    const previous = options.previous;
    const kept = previous?.runtime && previous.fingerprint === resolved.fingerprint ? previous.runtime : undefined;
    if (kept) kept.update(server);
    upstream.runtime =
      kept ??
      new CommandRuntime({
        name,
        server,
        spec: resolved.spec,
        callerVariables: resolved.callerVariables,
        redact: resolved.redact,
        logger: options.logger,
        ...(options.metrics ? { metrics: options.metrics } : {}),
        ...(options.records ? { records: options.records } : {}),
      });
    upstream.fingerprint = resolved.fingerprint;
    upstream.credentialError = undefined;
  } catch (error) {
    const credentialError = error instanceof AppError ? error : new AppError('CREDENTIAL_UNAVAILABLE', String(error), { cause: error });
    options.logger.warn('command server has no usable secret; its requests get 503 until fixed', { server: name, code: credentialError.code, error: credentialError.message, hint: credentialError.hint });
    upstream.runtime = undefined;
    upstream.fingerprint = undefined;
    upstream.credentialError = credentialError;
  }
}

/** The runtimes of `old` that `next` does not carry on: drained (answers in flight finish, then their processes stop). */
export function retireRuntimes(old: Iterable<{ kind: string }>, next: Iterable<{ kind: string }>): void {
  const kept = new Set<CommandRuntime>();
  for (const upstream of next) if (upstream.kind === 'command' && (upstream as CommandUpstream).runtime) kept.add((upstream as CommandUpstream).runtime as CommandRuntime);
  for (const upstream of old) {
    const runtime = upstream.kind === 'command' ? (upstream as CommandUpstream).runtime : undefined;
    if (runtime && !kept.has(runtime)) void runtime.drain();
  }
}
