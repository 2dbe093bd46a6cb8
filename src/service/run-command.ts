// Runs a service manager's command (systemctl, launchctl, schtasks) without a
// shell, and reports its exit code and output instead of throwing: a manager
// that is missing or refuses is something to explain, not a crash.
import { execFile } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type RunCommand = (command: string, args: string[]) => Promise<CommandResult>;

export const runCommand: RunCommand = (command, args) =>
  new Promise((resolve) => {
    execFile(command, args, { timeout: 30_000, windowsHide: true }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      const missing = (error as NodeJS.ErrnoException | null)?.code === 'ENOENT' ? `${command} is not installed or not on PATH` : '';
      resolve({ code, stdout: String(stdout), stderr: missing || String(stderr) });
    });
  });

/** The first line of what a failed command said, for a message. */
export function firstLine(result: CommandResult): string {
  return (result.stderr.trim() || result.stdout.trim()).split('\n')[0] ?? `exit code ${result.code}`;
}
