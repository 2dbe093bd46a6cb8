// Whether a config or secret file is one only this user controls, checked on
// the open file itself: a regular file (a FIFO or device would hang or feed
// us anything), owned by the user (or root), not writable by group or others;
// secrets also unreadable by others and in a directory others cannot write.
import { constants, type Stats } from 'node:fs';
import { lstat, open, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface SafetyOptions {
  /** Secret files: also unreadable by group and others, and in a directory only the user (or root) can change. */
  secret?: boolean;
  platform?: NodeJS.Platform;
  /** The user's uid; process.getuid() by default. */
  uid?: number;
  /**
   * The file is a key of a Kubernetes Secret (or projected) volume: a symlink
   * into the volume's ..data directory, written by the kubelet alone. Group
   * read is accepted there (mode 0440 with the pod's fsGroup: how a non-root
   * container reads a Secret), as is the volume's sticky root directory.
   */
  volume?: boolean;
}

/** What makes a file unsafe, and what to run about it. */
export interface Unsafe {
  kind: 'not-regular' | 'owner' | 'readable' | 'writable' | 'directory';
  /** Completes "<the file> ...", e.g. "has mode 664, so its group can change it". */
  problem: string;
  /** A sentence: what to run or do. */
  fix: string;
}

/** "<problem>; <fix>", for one-line reports (config problems). */
export function describeUnsafe(unsafe: Unsafe): string {
  return `${unsafe.problem}; ${unsafe.fix.charAt(0).toLowerCase()}${unsafe.fix.slice(1).replace(/\.$/, '')}`;
}

/** Why the file at `path` (with these stats) is not one only the user controls; undefined when it is. */
export function unsafeFile(path: string, stats: Stats, options: SafetyOptions = {}): Unsafe | undefined {
  if (!stats.isFile()) return { kind: 'not-regular', problem: `is not a regular file (${kindOf(stats)})`, fix: 'Point at a regular file.' };
  const platform = options.platform ?? process.platform;
  if (platform === 'win32') return undefined;
  const uid = options.uid ?? process.getuid?.();
  const mode = (stats.mode & 0o777).toString(8).padStart(3, '0');
  // root can change any file anyway, so a root-owned file (a config an administrator deployed) is no weaker.
  if (uid !== undefined && stats.uid !== uid && stats.uid !== 0) {
    return { kind: 'owner', problem: `belongs to uid ${stats.uid}, not to you (uid ${uid}), so someone else may have written it`, fix: `If it is yours, run \`chown ${uid} ${path}\`; otherwise remove it.` };
  }
  if (options.secret && (stats.mode & (options.volume ? 0o037 : 0o077)) !== 0) {
    if (options.volume) return { kind: 'readable', problem: `has mode ${mode}; other users can read it`, fix: 'Set defaultMode: 0440 (or 0400) on the Secret volume, with the pod\'s securityContext.fsGroup, so only this container\'s group can read it.' };
    return { kind: 'readable', problem: `has mode ${mode}; other users can read it`, fix: `Run \`chmod 600 ${path}\`.` };
  }
  if ((stats.mode & 0o022) !== 0) {
    return { kind: 'writable', problem: `has mode ${mode}, so ${writers(stats.mode)} can change it`, fix: `Run \`chmod go-w ${path}\`.` };
  }
  return undefined;
}

/** Why a secret's directory lets someone else replace the file; undefined when only the user (or root) can change it. */
export function unsafeDirectory(dir: string, stats: Stats, options: SafetyOptions = {}): Unsafe | undefined {
  if ((options.platform ?? process.platform) === 'win32') return undefined;
  const uid = options.uid ?? process.getuid?.();
  if (uid !== undefined && stats.uid !== uid && stats.uid !== 0) {
    return { kind: 'directory', problem: `is in ${dir}, which belongs to uid ${stats.uid}, who could replace it`, fix: 'Move the file to a directory of yours.' };
  }
  // A Secret volume's mount is a sticky directory (of root's): no one else can replace the entries the kubelet made there.
  if (options.volume && (stats.mode & 0o1000) !== 0 && (stats.uid === 0 || stats.uid === uid)) return undefined;
  if ((stats.mode & 0o022) !== 0) {
    const mode = (stats.mode & 0o777).toString(8).padStart(3, '0');
    return { kind: 'directory', problem: `is in ${dir} (mode ${mode}), where ${writers(stats.mode)} can replace it`, fix: `Run \`chmod go-w ${dir}\`, or move the file to a directory of yours.` };
  }
  return undefined;
}

export type SafeRead = { kind: 'ok'; text: string; stats: Stats } | { kind: 'missing' } | { kind: 'unsafe'; unsafe: Unsafe } | { kind: 'unreadable'; error: NodeJS.ErrnoException };

/**
 * Reads a file after checking it, on the open descriptor (no window for a
 * swap between check and read). Opened non-blocking, so a FIFO is refused at
 * once instead of waiting for a writer. `check` decides what is unsafe; it
 * may also accept what it does not need (see the package.json search place).
 */
export async function readCheckedFile(path: string, check: (stats: Stats) => Unsafe | undefined): Promise<SafeRead> {
  const flags = process.platform === 'win32' ? constants.O_RDONLY : constants.O_RDONLY | constants.O_NONBLOCK;
  let handle;
  try {
    handle = await open(path, flags);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return e.code === 'ENOENT' || e.code === 'ENOTDIR' ? { kind: 'missing' } : { kind: 'unreadable', error: e };
  }
  try {
    const stats = await handle.stat();
    const unsafe = check(stats);
    if (unsafe) return { kind: 'unsafe', unsafe };
    return { kind: 'ok', text: await handle.readFile({ encoding: 'utf8' }), stats };
  } catch (error) {
    return { kind: 'unreadable', error: error as NodeJS.ErrnoException };
  } finally {
    await handle.close();
  }
}

/** A secret file's checks: the file (readable by the user only) and the directory it is in. */
export async function readSecretFile(path: string, options: SafetyOptions = {}): Promise<SafeRead> {
  try {
    if (options.volume === undefined && (await inSecretVolume(path))) options = { ...options, volume: true };
    // The directory the name is in and, through a symlink, the one the file really is in: either could swap it.
    for (const dir of new Set([dirname(path), dirname(await realpath(path))])) {
      const unsafe = unsafeDirectory(dir, await stat(dir), options);
      if (unsafe) return { kind: 'unsafe', unsafe };
    }
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'unreadable', error: e };
  }
  return readCheckedFile(path, (stats) => unsafeFile(path, stats, { ...options, secret: true }));
}

/**
 * Whether `path` is a key of a Kubernetes Secret, ConfigMap or projected
 * volume: the kubelet's atomic writer makes each key a symlink to
 * ..data/<key>, and ..data a symlink to a timestamped directory (..2026_...)
 * that it swaps in one rename on update.
 */
export async function inSecretVolume(path: string): Promise<boolean> {
  try {
    if (!(await lstat(path)).isSymbolicLink() || (await readlink(path)) !== `..data/${basename(path)}`) return false;
    const data = join(dirname(path), '..data');
    return (await lstat(data)).isSymbolicLink() && (await readlink(data)).startsWith('..');
  } catch {
    return false;
  }
}

function writers(mode: number): string {
  const group = (mode & 0o020) !== 0;
  const others = (mode & 0o002) !== 0;
  return group && others ? 'its group and all other users' : group ? 'its group' : 'all other users';
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isDirectory()) return 'a directory';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a plain file';
}
