// `mcp-auth-proxy start`: run the proxy in the foreground until Ctrl-C, or
// with --detach as a background daemon that this command waits for.
import { fileURLToPath } from 'node:url';
import { formatHostPort, isLoopbackHost, parseListenAddress } from '../../config/listen-address.js';
import type { FlagValues } from '../../config/load.js';
import { loadConfigIsolated } from '../../config/load-isolated.js';
import { detach } from '../../daemon/detach.js';
import { clientToken, clientTokenFile } from '../../daemon/client-token.js';
import { readOurDaemon } from '../../daemon/identity.js';
import { ensureStateDir } from '../../daemon/state-dir.js';
import { refreshServerCredential, reloadProxy } from '../../daemon/reload.js';
import { stateDir } from '../../config/paths.js';
import { runProxy, serveUntilSignal } from '../../daemon/run.js';
import { keepInspectorClosed } from '../../daemon/signals.js';
import { resumeOptimizingCompiler } from '../../daemon/startup-compiler.js';
import { logFile, removeState, stateFile, writeState } from '../../daemon/state.js';
import { AppError, EXIT_USAGE } from '../../errors.js';
import type { Config } from '../../config/schema.js';
import { createLogFile } from '../../observability/log-file.js';
import { createLogger, type LogFormat, type Logger } from '../../observability/logger.js';
import { wantsColour } from '../../observability/pretty.js';
import { openResolver } from '../../secrets/stores.js';
import { VERSION } from '../../version.js';
import { inheritedListenFd } from '../../service/socket-activation.js';
import { configWarnings, print, type CommandContext } from '../context.js';

export interface StartOptions extends FlagValues {
  config?: string;
  detach?: boolean;
  /** Log lines as JSON, or readable (default: readable on a terminal). */
  logFormat?: LogFormat;
  /** Set by --detach for the daemon it starts: write the log here, rotated, instead of to stderr. */
  logFile?: string;
}

export async function start(ctx: CommandContext, options: StartOptions): Promise<void> {
  try {
    await startProxy(ctx, options);
  } finally {
    resumeOptimizingCompiler();
  }
}

async function startProxy(ctx: CommandContext, options: StartOptions): Promise<void> {
  // Detached, the daemon's log gets the warnings; the terminal that started it should see them too.
  // Validated in a worker thread: the validator's modules go with it instead of staying in the daemon for its life.
  const loaded = await loadConfigIsolated({ cwd: ctx.cwd, env: ctx.env, ...(options.config ? { configFile: options.config } : {}), flags: options, ...(options.detach ? { warn: configWarnings(ctx) } : {}) });
  let { config } = loaded;
  if (Object.keys(config.servers).length === 0) {
    throw new AppError('NO_SERVERS', 'No MCP servers are configured', {
      hint: 'Set MCP_UPSTREAM_URL, MCP_API_KEY and MCP_API_SECRET, add "servers" to a config file (see mcp-auth-proxy.config.example.json), or run `mcp-auth-proxy login NAME --url URL --key-id ID`. To try the proxy first: `mcp-auth-proxy demo`.',
      exitCode: EXIT_USAGE,
    });
  }
  await ensureStateDir(ctx.env);
  const state = stateFile(ctx.env, config.listen);
  // Port 0 asks for a fresh ephemeral port each time, so another instance is no conflict.
  if (parseListenAddress(config.listen)?.port !== 0) {
    const found = await readOurDaemon(state, ctx.env, (token) => ctx.redactor.add(token));
    if (found.daemon) {
      const running = found.daemon.state;
      throw new AppError('ALREADY_RUNNING', `mcp-auth-proxy is already running at ${running.url} (pid ${running.pid})`, {
        hint: 'Run `mcp-auth-proxy stop` first, or start another with --listen 127.0.0.1:PORT.',
      });
    }
    if (found.foreign) ctx.stderr.write(`note: a stale state file named pid ${found.foreign.pid}, which is not mcp-auth-proxy; it was removed and that process left alone.\n`);
  }
  // The token is checked (and if need be replaced) before anything listens; detached, by this process, so the note reaches the terminal.
  let replacedToken: string | undefined;
  const token = config.clientToken ? await clientToken(ctx.env, { onReplaced: (reason) => (replacedToken = reason) }) : undefined;
  if (token) ctx.redactor.add(token);
  const tokenNote = replacedToken && `the client token file was invalid (${replacedToken}), so a new token was generated; agent configs written with the old one get 401 until you run \`mcp-auth-proxy mcp-json --client NAME --write\` again`;
  if (options.detach) {
    if (tokenNote) ctx.stderr.write(`warning: ${tokenNote}\n`);
    return startDetached(ctx, options, state);
  }

  const logger = foregroundLogger(ctx, config, options);
  for (const warning of loaded.warnings) logger.warn(warning);
  // Before any secret is read: from here on SIGUSR1 cannot open a debugger port into this process.
  keepInspectorClosed(() => logger.warn('SIGUSR1 received and ignored: the V8 inspector stays closed (run node with --inspect to debug the proxy)'));
  const sources = loaded.layers.filter((l) => l.found).map((l) => (l.file ? `${l.kind} ${l.file}` : l.kind));
  logger.info('config loaded', { sources: sources.length ? sources : ['defaults only'] });
  const host = parseListenAddress(config.listen)?.host ?? '127.0.0.1';
  if (config.mode === 'team') {
    logger.info('team mode: every caller proves who it is, and servers with "$caller" act as that caller', { identity: (config.identity ?? []).map((m) => m.type), publicUrl: config.publicUrl });
  } else if (!isLoopbackHost(host)) {
    logger.warn('listening on a non-loopback address: anyone who can reach it can use your credentials', { listen: config.listen });
  }
  const openSecrets = () =>
    openResolver(ctx.env, ctx.redactor, (account, file) => logger.warn('secret read from the insecure file store (no keychain here)', { account, file }));
  if (tokenNote) logger.warn(tokenNote, { file: clientTokenFile(ctx.env) });
  if (!config.clientToken && config.mode !== 'team') {
    logger.info('any local program can use this proxy; set "clientToken": true to require a per-install token (see SECURITY in the README)');
  }
  // Started by a systemd socket unit: serve the socket it passed (fd 3) instead of binding the address.
  const listenFd = inheritedListenFd(process.env, process.pid);
  if (listenFd !== undefined) logger.info('serving the listening socket passed by systemd (socket activation)', { fd: listenFd });
  const proxy = await runProxy({
    config,
    secrets: openSecrets(),
    logger,
    stateDir: stateDir(ctx.env),
    env: ctx.env,
    ...(token ? { clientToken: token } : {}),
    ...(listenFd !== undefined ? { listenFd } : {}),
    // main.ts held the optimizing compiler off for the start-up; agents' requests are the hot code it is for.
    onFirstAgentRequest: resumeOptimizingCompiler,
  });
  // Recorded under the configured address and, when that was port 0, under the bound one too.
  const files = [...new Set([state, stateFile(ctx.env, formatHostPort(proxy.host, proxy.port))])];
  // The start time /statusz reports, so stop and status can tell this process from one that got its pid later;
  // the log file is named only when this process writes one (a detached daemon): a terminal's log is the terminal.
  const record = { pid: process.pid, url: proxy.url, listen: config.listen, version: VERSION, startedAt: proxy.info.startedAt, ...(options.logFile ? { logFile: options.logFile } : {}), ...(proxy.tlsFingerprint ? { tlsFingerprint: proxy.tlsFingerprint } : {}) };
  for (const file of files) await writeState(ctx.env, file, record);
  const reloadInput = () => ({ ctx, options, proxy, logger, current: config, openSecrets, stateDir: stateDir(ctx.env), onReloaded: (next: typeof config) => void (config = next) });
  const reload = () => reloadProxy(reloadInput()).then((next) => void (next && (config = next)));
  // login and logout tell the daemon which server's credential changed: no reload needed for that.
  proxy.setCredentialRefresher((server) => refreshServerCredential(reloadInput(), server));
  // In a terminal, SIGHUP means the terminal closed: stop. Detached (no terminal), it means reload.
  const attached = Boolean(process.stdin.isTTY || process.stdout.isTTY);
  proxy.info.reloadable = !attached && process.platform !== 'win32';
  // Signals are handled before anyone is told the proxy listens: a stop sent the moment it says so is a graceful one.
  const served = serveUntilSignal(proxy, logger, ctx.exitNow, attached ? undefined : reload);
  logger.info('listening', {
    url: proxy.url,
    servers: Object.fromEntries([...proxy.upstreams].map(([name, u]) => [name, u.kind === 'command' ? { command: u.config.command, sharing: u.config.sharing, ready: Boolean(u.runtime) } : { upstream: u.base.href, auth: u.config.auth.type, ready: Boolean(u.signer) }])),
  });
  print(ctx, `mcp-auth-proxy listening on ${proxy.url}${config.mode === 'team' ? ' (team mode)' : ''}`);
  const agentsUse = config.mode === 'team' && config.publicUrl ? config.publicUrl.replace(/\/+$/, '') : proxy.url;
  for (const name of proxy.upstreams.keys()) print(ctx, `  ${agentsUse}/${name}/mcp`);
  try {
    await served;
  } finally {
    for (const file of files) await removeState(file, process.pid);
  }
}

/** JSON lines to the daemon's rotated log file when detached; otherwise stderr, readable and coloured on a terminal. */
function foregroundLogger(ctx: CommandContext, config: Config, options: StartOptions): Logger {
  if (options.logFile) {
    const file = createLogFile({
      path: options.logFile,
      maxBytes: config.daemonLog.maxBytes,
      keep: config.daemonLog.keep,
      onError: (error) => ctx.stderr.write(`cannot write the daemon log ${options.logFile}: ${error.message}\n`),
    });
    return createLogger({ level: config.logLevel, redactor: ctx.redactor, stream: file, format: options.logFormat ?? 'json' });
  }
  const terminal = Boolean((ctx.stderr as { isTTY?: boolean }).isTTY);
  const format = options.logFormat ?? (terminal ? 'pretty' : 'json');
  return createLogger({ level: config.logLevel, redactor: ctx.redactor, stream: ctx.stderr, format, colour: format === 'pretty' && wantsColour(ctx.stderr as { isTTY?: boolean }, ctx.env) });
}

async function startDetached(ctx: CommandContext, options: StartOptions, state: string): Promise<void> {
  const args: string[] = [];
  if (options.config) args.push('--config', options.config);
  if (options.listen) args.push('--listen', options.listen);
  if (options.logLevel) args.push('--log-level', options.logLevel);
  if (options.allowRemote) args.push('--allow-remote');
  const log = logFile(ctx.env);
  const daemon = await detach({
    args,
    cwd: ctx.cwd,
    env: ctx.env,
    stateFile: state,
    logFile: log,
    entry: fileURLToPath(new URL('../../../bin/mcp-auth-proxy.js', import.meta.url)),
    onProgress: (text) => ctx.stderr.write(`${text}\n`),
  });
  print(ctx, `mcp-auth-proxy is running at ${daemon.url} (pid ${daemon.pid}); logs: ${log}`);
  print(ctx, 'Stop it with `mcp-auth-proxy stop`; check it with `mcp-auth-proxy status`.');
}
