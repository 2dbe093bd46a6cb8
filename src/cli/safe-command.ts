// commander's Command with one change: an unknown option's error never
// repeats a value typed with it (`--secret=VALUE`, `-sVALUE`), since people
// paste secrets into the wrong flag and terminals and CI logs keep the line.
import { Command } from 'commander';

export class SafeCommand extends Command {
  override createCommand(name?: string): Command {
    return new SafeCommand(name);
  }

  override error(message: string, errorOptions?: { code?: string; exitCode?: number }): never {
    return super.error(errorOptions?.code === 'commander.unknownOption' ? withoutOptionValue(message) : message, errorOptions);
  }
}

/** `error: unknown option '--secret=VALUE'` → `error: unknown option '--secret=…' (value not shown)`; `-sVALUE` → `-s…`. */
export function withoutOptionValue(message: string): string {
  const match = /^(error: unknown option ')(.*)('[^']*)$/s.exec(message);
  if (!match) return message;
  const [, head, flag = '', tail] = match;
  const equals = flag.indexOf('=');
  const shown = flag.startsWith('--') ? (equals === -1 ? flag : `${flag.slice(0, equals)}=…`) : flag.length > 2 ? `${flag.slice(0, 2)}…` : flag;
  return shown === flag ? message : `${head}${shown}${tail} (value not shown)`;
}
