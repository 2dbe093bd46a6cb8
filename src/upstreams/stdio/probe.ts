// Starts a command server once, as `doctor` and `login` check it: spawn with
// the clean environment and its secrets, initialize, list its tools, stop
// the group. The answer says how long it took, what the server calls itself
// and how many tools it has, or why it failed (with the last line it wrote
// on stderr, redacted).
import type { CommandServerConfig } from '../../config/command-schema.js';
import { createLogger } from '../../observability/logger.js';
import type { Redactor } from '../../observability/redact.js';
import type { SecretResolver } from '../../secrets/resolve.js';
import { VERSION } from '../../version.js';
import { Link } from './link.js';
import { NO_CAPABILITIES, type Message, type Peer } from './peer.js';
import { expandArgs, resolveCommand } from './spec.js';
import { Writable } from 'node:stream';

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

export async function probeCommand(name: string, server: CommandServerConfig, secrets: SecretResolver, redactor: Redactor, env: NodeJS.ProcessEnv = process.env): Promise<ProbeResult> {
  const resolved = await resolveCommand(name, server, secrets, env);
  const stderr: string[] = [];
  // Its stderr is kept for the answer (the last line says why a server failed), not logged.
  const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => void (stderr.push(chunk.toString('utf8')), done()) });
  const logger = createLogger({ level: 'info', redactor, stream: sink, format: 'json' });
  const started = performance.now();
  const answers = new Map<number, (message: Message) => void>();
  const peer: Peer = { capabilities: NO_CAPABILITIES, deliver: (message) => answers.get(message.id as number)?.(message) };
  const spec = { ...resolved.spec, args: expandArgs(resolved.spec.args, resolved.spec.env) };
  const link = new Link({ server: name, spec, multiplexed: false, startTimeoutMs: server.startTimeout, stopTimeoutMs: server.stopTimeout, logger, redact: resolved.redact, events: { started: () => undefined, crashed: () => undefined, exited: () => undefined }, onGone: () => undefined });
  const ask = (id: number, method: string, params: Record<string, unknown>) =>
    new Promise<Message>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${method} within ${server.startTimeout} ms`)), server.startTimeout);
      timer.unref();
      answers.set(id, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      link.send(peer, { jsonrpc: '2.0', id, method, params });
    });
  try {
    link.attach(peer);
    await link.start();
    const init = await ask(1, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'mcp-auth-proxy doctor', version: VERSION } });
    if (init.error) return { ok: false, detail: `initialize failed: ${messageOf(init.error)}${lastLine(stderr)}` };
    link.send(peer, { jsonrpc: '2.0', method: 'notifications/initialized' });
    const info = (init.result as { serverInfo?: { name?: string; version?: string } }).serverInfo;
    const tools = await ask(2, 'tools/list', {});
    const count = Array.isArray((tools.result as { tools?: unknown[] } | undefined)?.tools) ? (tools.result as { tools: unknown[] }).tools.length : undefined;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    return { ok: true, detail: `started in ${seconds} s: ${info?.name ?? 'a server'}${info?.version ? ` ${info.version}` : ''}${count !== undefined ? `, ${count} tools` : ''}` };
  } catch (error) {
    return { ok: false, detail: `${(error as Error).message}${lastLine(stderr)}` };
  } finally {
    await link.stop();
  }
}

function messageOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'message' in error ? String((error as { message: unknown }).message) : String(error);
}

/** The last stderr line the server wrote (from the probe's JSON log lines), if any. */
function lastLine(lines: string[]): string {
  for (const text of lines.join('').split('\n').reverse()) {
    try {
      const entry = JSON.parse(text) as { message?: string; line?: string };
      if (entry.message === 'command stderr' && entry.line) return ` (stderr: ${entry.line.slice(0, 300)})`;
    } catch {
      // not a log line
    }
  }
  return '';
}
