// What the running daemon needs to know of command servers' config, without
// zod: a local daemon never loads the validator (it runs in a short-lived
// loader process), so these live apart from command-schema.ts.
import type { CommandServerConfig, ServerConfig } from './schema.js';

/** `${name}` in a command server's args: filled per caller or from the environment at spawn. */
export const ARG_PLACEHOLDER = /\$\{([^}]*)\}/g;

export function isCommandServer(server: ServerConfig): server is CommandServerConfig {
  return 'command' in server;
}
