// The project config file: found from the working directory up to the
// repository root or home (data-files.ts: data formats only, so a cloned
// repository cannot run code in the proxy, and only files the user controls),
// and what even a trusted one may not do: decide who can reach the proxy or
// what it records, or change the URL or credentials of a server the user
// defined themselves.
import type { ConfigProblem } from '../errors.js';
import { dataFileExplorer } from './data-files.js';
import { isPlainObject } from './layers.js';
import { APP_NAME } from './paths.js';

/** Project files: data formats only. */
export const PROJECT_SEARCH_PLACES = [
  `${APP_NAME}.config.json`,
  `.${APP_NAME}rc`,
  `.${APP_NAME}rc.json`,
  `.${APP_NAME}rc.yaml`,
  `.${APP_NAME}rc.yml`,
  'package.json',
];

/** Settings about who can reach the proxy, what they may use (the policy) and what it records (the audit log), refused in project files. */
const USER_ONLY_FIELDS = ['allowRemote', 'clientToken', 'socket', 'audit', 'mode', 'publicUrl', 'tls', 'trustedProxies', 'identity', 'policy'] as const;
/**
 * What a project file may not set for a server the user defined: where it
 * goes and what credentials it carries; for a command server, what runs, in
 * which directory, with which environment, and who shares the process (a
 * command runs with the user's secrets: at least as dangerous as a URL).
 */
const USER_SERVER_FIELDS = ['url', 'auth', 'headers', 'command', 'args', 'env', 'cwd', 'sharing'] as const;

export interface ProjectFile {
  file: string;
  /** The parsed object, when it parses. */
  values?: Record<string, unknown>;
  /** Why it does not parse (never its text). */
  problem?: string;
  /** For package.json: the `mcp-auth-proxy` key, which is what trust covers there. */
  packageKey?: unknown;
}

/**
 * The project file that applies in `cwd`, parsed, or undefined when there is
 * none. A file refused as unsafe (another user's, writable by others) or that
 * does not parse comes back with `problem`: it is not used either way.
 */
export async function findProjectFile(cwd: string, env: NodeJS.ProcessEnv, describe: (error: unknown, file: string) => string): Promise<ProjectFile | undefined> {
  const refused: ConfigProblem[] = [];
  const explorer = dataFileExplorer({ searchPlaces: PROJECT_SEARCH_PLACES, packageProp: APP_NAME, env, problems: refused });
  try {
    const result = await explorer.search(cwd);
    if (!result) return refused[0] ? { file: refused[0].source, problem: refused[0].message } : undefined;
    const values: unknown = result.config ?? {};
    // For package.json the explorer hands back our key alone: that is what trust covers there.
    const packageKey = result.filepath.endsWith('package.json') ? result.config : undefined;
    if (!isPlainObject(values)) return { file: result.filepath, problem: 'the file must hold a JSON object, e.g. { "servers": { ... } }', packageKey };
    return { file: result.filepath, values, packageKey };
  } catch (error) {
    const file = /(\/[^\s:]+)/.exec(String((error as Error).message))?.[1] ?? cwd;
    return { file, problem: describe(error, file) };
  }
}

/**
 * What a (trusted) project file may not do: the user-only settings, and for
 * each server that `userServers` names (defined in the user file, --config or
 * the environment), its url, auth and headers.
 */
export function projectProblems(project: Required<Pick<ProjectFile, 'file' | 'values'>>, userServers: ReadonlySet<string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const field of USER_ONLY_FIELDS) {
    if (field in project.values) {
      problems.push({ source: project.file, path: field, message: 'a project file cannot set this (a cloned repository must not open, reroute or record your proxy); set it in your user config or a --config file' });
    }
  }
  const servers = isPlainObject(project.values.servers) ? project.values.servers : {};
  for (const [name, server] of Object.entries(servers)) {
    if (!userServers.has(name) || !isPlainObject(server)) continue;
    for (const field of USER_SERVER_FIELDS) {
      if (field in server) {
        problems.push({
          source: project.file,
          path: `servers.${name}.${field}`,
          message: `"${name}" is your own server (from your user config, --config or the environment): a project file cannot change its URL, command or credentials; remove this, or give the project's server another name`,
        });
      }
    }
  }
  return problems;
}
