// The state directory ($XDG_STATE_HOME/mcp-auth-proxy): client token, daemon
// state files, log and audit log. Only its owner may enter it: created 0700,
// tightened to 0700 when found looser, refused when it belongs to another user.
import { chmod, mkdir, stat } from 'node:fs/promises';
import { stateDir } from '../config/paths.js';
import { AppError } from '../errors.js';

/** Creates the directory, or makes sure an existing one is ours and closed to others; returns its path. */
export async function ensureStateDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Promise<string> {
  const dir = stateDir(env, platform);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (platform === 'win32') return dir;
  const stats = await stat(dir);
  if (!stats.isDirectory()) {
    throw new AppError('STATE_DIR_UNSAFE', `The state directory ${dir} is not a directory`, { hint: `Move it away, or point XDG_STATE_HOME elsewhere.` });
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new AppError('STATE_DIR_UNSAFE', `The state directory ${dir} belongs to uid ${stats.uid}, not to you (uid ${uid}): its owner could read the client token and plant state files`, {
      hint: `If it is yours, run \`chown -R ${uid} ${dir}\`; otherwise remove it, or point XDG_STATE_HOME elsewhere.`,
    });
  }
  if ((stats.mode & 0o077) !== 0) await chmod(dir, 0o700);
  return dir;
}
