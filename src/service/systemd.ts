// The systemd user units: mcp-auth-proxy.service (restarted on failure, in
// the user's session so the Secret Service keychain is reachable) and, with
// --socket, mcp-auth-proxy.socket, which holds the listen address so the
// daemon starts on the first agent connection and takes the socket as fd 3.
import { DAEMON_MALLOC_ENV } from '../daemon/detach.js';
import type { LaunchCommand } from './launch.js';

export interface SystemdUnits {
  service: string;
  socket?: string;
}

/** One ExecStart word: double-quoted, with systemd's own escapes for \, ", % (specifiers) and $ (variables). */
export function systemdWord(word: string): string {
  return `"${word.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

export function systemdUnits(command: LaunchCommand, options: { socket?: string }): SystemdUnits {
  const exec = [command.node, ...(command.nodeArgs ?? []), command.entry, ...command.args].map(systemdWord).join(' ');
  const service = [
    '[Unit]',
    'Description=mcp-auth-proxy: local agents reach MCP servers behind company auth',
    'Documentation=https://github.com/mcp-auth-proxy/mcp-auth-proxy#readme',
    ...(options.socket ? ['Requires=mcp-auth-proxy.socket', 'After=mcp-auth-proxy.socket'] : []),
    '',
    '[Service]',
    'Type=simple',
    // malloc as `start --detach` runs it (src/daemon/detach.ts): less memory kept after a busy spell.
    ...Object.entries(DAEMON_MALLOC_ENV).map(([name, value]) => `Environment=${name}=${value}`),
    `ExecStart=${exec}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    'Restart=on-failure',
    'RestartSec=2',
    'NoNewPrivileges=true',
    '',
    // With the socket unit, enabling the socket is what starts it.
    ...(options.socket ? [] : ['[Install]', 'WantedBy=default.target', '']),
  ].join('\n');
  if (!options.socket) return { service };
  const socket = [
    '[Unit]',
    'Description=mcp-auth-proxy listening socket (the daemon starts on the first connection)',
    '',
    '[Socket]',
    `ListenStream=${options.socket}`,
    'NoDelay=true',
    '',
    '[Install]',
    'WantedBy=sockets.target',
    '',
  ].join('\n');
  return { service, socket };
}
