// `mcp-auth-proxy stop`: ask the daemon to drain and stop (SIGTERM), and wait
// until it has. Only a process confirmed to be our daemon is signalled.
import { removeState, isAlive } from '../../daemon/state.js';
import { AppError } from '../../errors.js';
import { print, type CommandContext } from '../context.js';
import { findDaemon, type TargetOptions } from './daemon-target.js';

export async function stop(ctx: CommandContext, options: TargetOptions & { timeout?: number }): Promise<void> {
  const { listen, file, state } = await findDaemon(ctx, options);
  if (!state) throw new AppError('NOT_RUNNING', `No mcp-auth-proxy daemon is running for ${listen}`, { hint: 'Nothing to stop. `mcp-auth-proxy status` shows what runs.' });
  ctx.stderr.write(`Stopping pid ${state.pid} (draining in-flight requests) ...\n`);
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + (options.timeout ?? 30_000);
  while (isAlive(state.pid)) {
    if (Date.now() > deadline) {
      throw new AppError('STOP_TIMEOUT', `pid ${state.pid} is still draining`, { hint: `Wait, or force it with \`kill -9 ${state.pid}\`.` });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await removeState(file, state.pid);
  print(ctx, `Stopped mcp-auth-proxy (pid ${state.pid}) at ${state.url}.`);
}
