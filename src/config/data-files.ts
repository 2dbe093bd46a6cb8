// Reads the config files (user, project, --config) as data only, JSON or
// YAML, each after the file-safety checks, and finds the project file. We use
// cosmiconfig's parsers but not its explorer: constructing one reads a "meta
// config" from the working directory (.config/config.js, package.json's
// "cosmiconfig" key) and runs JavaScript found there, and it follows `$import`
// into any file, .js included: a cloned repository must not run code in the
// proxy. Its project search also climbs to / when no package.json stops it.
import { lstat, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Stats } from 'node:fs';
import { defaultLoaders } from 'cosmiconfig';
import type { ConfigProblem } from '../errors.js';
import { describeUnsafe, readCheckedFile, unsafeFile, type Unsafe } from './file-safety.js';

export interface DataFileResult {
  config: unknown;
  filepath: string;
}

export interface DataFileExplorer {
  /** One file: its parsed content (undefined when empty or refused; refusals go to `problems`). */
  load(file: string): Promise<DataFileResult>;
  /** The project file that applies in `cwd`, or null. */
  search(cwd: string): Promise<DataFileResult | null>;
}

export interface DataFileOptions {
  /** File names tried in each directory, in order; `package.json` is read for its `packageProp` key. */
  searchPlaces: string[];
  packageProp: string;
  /** HOME (USERPROFILE on Windows) bounds the project search. */
  env: NodeJS.ProcessEnv;
  /** Files refused as unsafe are reported here. */
  problems: ConfigProblem[];
}

const PARSERS: Record<string, (file: string, content: string) => unknown> = {
  // Editors on Windows may save JSON with a byte-order mark; it is not content.
  '.json': (file, content) => defaultLoaders['.json'](file, content.replace(/^\uFEFF/, '')),
  '.yaml': defaultLoaders['.yaml'],
  '.yml': defaultLoaders['.yml'],
  '': defaultLoaders.noExt,
};

export function dataFileExplorer(options: DataFileOptions): DataFileExplorer {
  const refuse = (file: string, message: string) => options.problems.push({ source: file, path: '', message });

  return {
    async load(file) {
      const path = resolve(file);
      const read = await readCheckedFile(path, (stats) => unsafeFile(path, stats));
      if (read.kind === 'unsafe') refuse(path, explain(read.unsafe, 'a config file'));
      if (read.kind === 'missing') refuse(path, 'file not found; check the path');
      if (read.kind === 'unreadable') refuse(path, `cannot be read (${read.error.code ?? read.error.message})`);
      if (read.kind !== 'ok') return { config: undefined, filepath: path };
      return { config: parse(path, read.text, options.packageProp), filepath: path };
    },

    async search(cwd) {
      for (const dir of await projectSearchDirs(cwd, homeOf(options.env))) {
        for (const place of options.searchPlaces) {
          const file = join(dir, place);
          const isPackage = place === 'package.json';
          const read = await readCheckedFile(file, (stats) => (stats.isDirectory() ? SKIP : isPackage && stats.isFile() ? undefined : unsafeFile(file, stats)));
          if (read.kind === 'missing' || (read.kind === 'unsafe' && read.unsafe === SKIP) || (read.kind === 'unreadable' && read.error.code === 'EACCES')) continue;
          if (read.kind === 'unsafe') return refused(file, read.unsafe);
          if (read.kind === 'unreadable') return refused(file, { kind: 'not-regular', problem: `cannot be read (${read.error.code ?? read.error.message})`, fix: 'Check its permissions.' });
          const config = parse(file, read.text, options.packageProp);
          if (config === undefined || config === null) continue;
          // package.json is checked only once it turns out to carry our key: until then it is not our file.
          const unsafe = isPackage ? unsafeFile(file, read.stats) : undefined;
          if (unsafe) return refused(file, unsafe);
          return { config, filepath: file };
        }
        if ((await exists(join(dir, 'package.json'))) || (await exists(join(dir, 'package.yaml')))) return null;
      }
      return null;
    },
  };

  function refused(file: string, unsafe: Unsafe): null {
    refuse(file, explain(unsafe, 'a project file'));
    return null;
  }
}

/** Marks a directory where a file name was expected: not a config file, keep searching. */
const SKIP: Unsafe = { kind: 'not-regular', problem: 'is a directory', fix: '' };

/** The problem line for a refused file: what is wrong, why it matters, the fix. */
function explain(unsafe: Unsafe, what: string): string {
  return describeUnsafe({ ...unsafe, problem: `${unsafe.problem} (${what} decides where your credentials are sent)` });
}

function parse(file: string, text: string, packageProp: string): unknown {
  if (text.trim() === '') return undefined;
  const extension = extname(file);
  const parser = PARSERS[extension];
  if (!parser) throw new Error(`only JSON and YAML config files are read (.json, .yaml, .yml, or no extension): a config file cannot run code`);
  const content = parser(file, text);
  if (basename(file) !== 'package.json') return content;
  return typeof content === 'object' && content !== null ? (content as Record<string, unknown>)[packageProp] : undefined;
}

/**
 * The directories searched for a project file, from `cwd` up to the nearest
 * repository root (a `.git` directory or file) or the home directory,
 * whichever comes first, never above. When neither is an ancestor (a checkout
 * in /tmp, a build directory elsewhere), only `cwd` itself: directories
 * above it may belong to anyone. A home of `/` bounds nothing.
 */
export async function projectSearchDirs(cwd: string, home: string | undefined): Promise<string[]> {
  const start = await real(cwd);
  const top = home === undefined ? undefined : await real(home);
  const homeDir = top !== undefined && dirname(top) !== top ? top : undefined;
  const dirs: string[] = [];
  for (let dir = start; ; dir = dirname(dir)) {
    dirs.push(dir);
    if (dir === homeDir || (await exists(join(dir, '.git')))) return dirs;
    if (dirname(dir) === dir) return [start];
  }
}

function homeOf(env: NodeJS.ProcessEnv): string | undefined {
  const home = (process.platform === 'win32' ? env.USERPROFILE : env.HOME) || homedir();
  return home || undefined;
}

async function real(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return resolve(path);
  }
}

async function exists(path: string): Promise<Stats | undefined> {
  return lstat(path).catch(() => undefined);
}
