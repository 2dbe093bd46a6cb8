// `mcp-auth-proxy completion bash|zsh|fish`: a completion script for that
// shell, generated from the command table itself; `--servers` prints the
// configured server names, which the scripts ask for when completing one.
import type { Command } from 'commander';
import { supportedClients } from '../../clients/snippet.js';
import { loadConfig } from '../../config/load.js';
import { UsageError } from '../../errors.js';
import { bashScript } from '../completion/bash.js';
import { fishScript } from '../completion/fish.js';
import { completionModel } from '../completion/model.js';
import { zshScript } from '../completion/zsh.js';
import type { CommandContext } from '../context.js';

const SCRIPTS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;

export async function completion(ctx: CommandContext, program: Command, shell: string | undefined, options: { servers?: boolean; config?: string }): Promise<void> {
  if (options.servers) {
    // Called at every completion of a server name: a config that does not load completes nothing, quietly.
    try {
      const { config } = await loadConfig({ cwd: ctx.cwd, env: ctx.env, ...(options.config ? { configFile: options.config } : {}) });
      for (const name of Object.keys(config.servers)) ctx.stdout.write(`${name}\n`);
    } catch {
      // nothing to offer
    }
    return;
  }
  const script = shell ? SCRIPTS[shell as keyof typeof SCRIPTS] : undefined;
  if (!script) throw new UsageError(shell ? `No completion for the shell "${shell}"` : 'Name a shell', 'Write `mcp-auth-proxy completion bash`, `zsh` or `fish`.');
  ctx.stdout.write(script(completionModel(program, supportedClients())));
}
