// Loads the merged config from its layers, low to high: built-in defaults <
// user file < project file < --config < environment < flags. Validates the
// result once and reports every problem with the file and field behind it.
import { existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from '../errors.js';
import { dataFileExplorer, type DataFileExplorer } from './data-files.js';
import { environmentLayer } from './env.js';
import { isPlainObject, mergeLayers, sourceOf, type Layer } from './layers.js';
import { APP_NAME, userConfigFile } from './paths.js';
import { PROJECT_SEARCH_PLACES, findProjectFile, projectProblems, type ProjectFile } from './project.js';
import { plainMessage } from './problem-text.js';
import { configSchema, crossFieldIssues, type Config } from './schema.js';
import { projectDigest, trustState, type TrustState } from './trust.js';


/** Values from command-line flags: the highest layer. */
export interface FlagValues {
  listen?: string;
  logLevel?: string;
  allowRemote?: boolean;
  defaultServer?: string;
}

export interface LoadOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `--config FILE`. */
  configFile?: string;
  flags?: FlagValues;
  /** Override of `$XDG_CONFIG_HOME/mcp-auth-proxy/config.json`. */
  userConfigPath?: string;
  /** Told what the user should know but that does not stop loading (a project file not used until trusted). */
  warn?: (message: string) => void;
}

export type LayerKind = 'user' | 'project' | 'explicit' | 'environment' | 'flags';

export interface LayerInfo {
  kind: LayerKind;
  /** The file, for file layers; present even when it was not found. */
  file?: string;
  found: boolean;
  /** For the project file: whether `mcp-auth-proxy trust` covers it as it is now (an untrusted one is not used). */
  trust?: TrustState;
}

export interface LoadedConfig {
  config: Config;
  layers: LayerInfo[];
  /** Dotted leaf path → the file, variable or flag that set it (absent: built-in default). */
  provenance: Map<string, string>;
  /** What was said through `warn`. */
  warnings: string[];
  /** The merged values as written, before parsing ("20s" where config has 20000). */
  written: Record<string, unknown>;
}

export async function loadConfig(options: LoadOptions): Promise<LoadedConfig> {
  const layers: Layer[] = [];
  const infos: LayerInfo[] = [];
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const warn = (message: string) => {
    warnings.push(message);
    options.warn?.(message);
  };
  // Data only, each file checked for who controls it; the project search (project.ts) stops at the repository root or home.
  const explorer = dataFileExplorer({ searchPlaces: PROJECT_SEARCH_PLACES, packageProp: APP_NAME, env: options.env, problems });

  const userFile = options.userConfigPath ?? userConfigFile(options.env);
  const user = existsSync(userFile) ? await readFileLayer(explorer, userFile, problems) : undefined;
  infos.push({ kind: 'user', file: userFile, found: user !== undefined });
  if (user) layers.push(user);

  // The project file joins the layers only once the user trusted it as it is now (see trust.ts); its place is here.
  const project = await findProjectFile(options.cwd, options.env, describeParseError);
  const projectAt = layers.length;
  const trust = project ? await projectTrust(project, options.env, warn) : undefined;
  infos.push({ kind: 'project', ...(project ? { file: project.file, trust } : {}), found: project !== undefined });
  if (options.configFile) {
    const file = resolve(options.cwd, options.configFile);
    if (!existsSync(file)) {
      problems.push({ source: file, path: '', message: 'file not found (given with --config); check the path' });
    } else if (PROJECT_SEARCH_PLACES.includes(basename(file)) && (await explicitProjectTrust(file, options.env)) !== 'trusted') {
      // A repository's config file named on the command line (as agent configs written by mcp-json do) is trusted by content too.
      problems.push({ source: file, path: '', message: 'this is a project config file that is not trusted as it is now; review it, then run `mcp-auth-proxy trust` in its directory' });
    } else {
      const explicit = await readFileLayer(explorer, file, problems);
      if (explicit) layers.push(explicit);
    }
    infos.push({ kind: 'explicit', file, found: existsSync(file) });
  }

  const env = environmentLayer(options.env);
  problems.push(...env.problems);
  layers.push(env.layer);
  if (project?.values && trust === 'trusted') {
    // Servers the user defined (user file, --config, environment) keep their URL and credentials whatever a project says.
    const userServers = new Set(layers.flatMap((layer) => (isPlainObject(layer.values.servers) ? Object.keys(layer.values.servers) : [])));
    problems.push(...projectProblems({ file: project.file, values: project.values }, userServers));
    layers.splice(projectAt, 0, { label: project.file, file: project.file, values: project.values });
  }
  infos.push({ kind: 'environment', found: Object.keys(env.layer.values).length > 0 });

  const flags = flagLayer(options.flags ?? {});
  layers.push(flags);
  infos.push({ kind: 'flags', found: Object.keys(flags.values).length > 0 });

  const merged = mergeLayers(layers);
  // The schema would drop such keys without a word (they name an object's prototype machinery): say so instead.
  for (const path of unsafeKeys(merged.values, '')) {
    problems.push({ source: sourceOf(merged.provenance, path), path, message: 'this key name is not allowed; remove it' });
  }
  const parsed = configSchema.safeParse(merged.values);
  if (!parsed.success) {
    // A variable the env layer already reported missing needs no second line.
    const reported = new Set(env.problems.map((p) => p.path));
    problems.push(...toProblems(parsed.error.issues, merged.provenance, merged.values).filter((p) => !reported.has(p.path)));
    for (const issue of crossFieldIssues(merged.values)) {
      const path = issue.path.join('.');
      problems.push({ source: sourceOf(merged.provenance, path, sourceOf(merged.provenance, 'mode')), path, message: issue.message });
    }
  }
  if (problems.length > 0) throw new ConfigError(dedupe(problems));
  return { config: parsed.data as Config, layers: infos, provenance: merged.provenance, warnings, written: merged.values };
}

/** The trust of a project config file given with --config (for package.json, its key). */
async function explicitProjectTrust(file: string, env: NodeJS.ProcessEnv): Promise<TrustState> {
  const found = await findProjectFile(dirname(file), env, describeParseError);
  if (!found || found.file !== file || found.problem) return trustState(env, file, found?.problem ? undefined : projectDigest(file));
  return trustState(env, file, projectDigest(file, found.packageKey));
}

/**
 * Whether the project file is trusted as it is now; when not, it is left out
 * and the user is told how to review and trust it. A file that does not parse
 * is reported only once trusted, never as an error that stops every command.
 */
async function projectTrust(project: ProjectFile, env: NodeJS.ProcessEnv, warn: (message: string) => void): Promise<TrustState> {
  // A refused file is never read again here (it may be a FIFO): its trust is only whether a record exists.
  const state = await trustState(env, project.file, project.problem ? undefined : projectDigest(project.file, project.packageKey));
  const review = 'review it, then run `mcp-auth-proxy trust` in ' + dirname(project.file) + ' to use it';
  if (project.problem) {
    // Refused (another user's, writable by others, not a file) or unparseable: not used, trusted or not.
    warn(`${project.file}: this project's config file is not used: ${project.problem}${state === 'trusted' ? '' : `; it is not trusted either (${review})`}`);
    return state === 'trusted' ? 'changed' : state;
  }
  if (state !== 'trusted') warn(`${project.file}: this project's config file is not used (${state === 'changed' ? 'it changed since you trusted it' : 'it is not trusted yet'}); ${review}`);
  return state;
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function unsafeKeys(value: unknown, prefix: string): string[] {
  if (!isPlainObject(value)) return [];
  const found: string[] = [];
  for (const key of Object.keys(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (UNSAFE_KEYS.has(key)) found.push(path);
    else found.push(...unsafeKeys(value[key], path));
  }
  return found;
}

async function readFileLayer(
  explorer: DataFileExplorer,
  file: string,
  problems: ConfigProblem[],
): Promise<Layer | undefined> {
  try {
    const result = await explorer.load(file);
    return toLayer(file, result?.config, problems);
  } catch (error) {
    problems.push({ source: file, path: '', message: describeParseError(error, file) });
    return undefined;
  }
}

function toLayer(file: string, values: unknown, problems: ConfigProblem[]): Layer | undefined {
  if (values === undefined || values === null) return { label: file, file, values: {} };
  if (!isPlainObject(values)) {
    problems.push({ source: file, path: '', message: 'the file must hold a JSON object, e.g. { "servers": { ... } }' });
    return undefined;
  }
  return { label: file, file, values };
}

function flagLayer(flags: FlagValues): Layer {
  const values: Record<string, unknown> = {};
  const labels = new Map<string, string>();
  const add = (key: keyof FlagValues, flag: string, value: unknown) => {
    if (value === undefined) return;
    values[key] = value;
    labels.set(key, `flag ${flag}`);
  };
  add('listen', '--listen', flags.listen);
  add('logLevel', '--log-level', flags.logLevel?.toLowerCase());
  add('allowRemote', '--allow-remote', flags.allowRemote || undefined);
  add('defaultServer', '--default-server', flags.defaultServer);
  return { label: 'flags', values, labels };
}

/**
 * The reason a file does not parse, and where: never the file's text (the
 * code frame a parser prints would show whatever is on that line, a secret
 * written there by mistake included).
 */
export function describeParseError(error: unknown, file: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const reason = message
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '' && !line.startsWith('>') && !/^\d+ \|/.test(line) && !line.startsWith('|') && !line.includes(file));
  // Control and invisible characters (a BOM, zero-width ones) are shown as "?", so a file cannot drive the terminal;
  // quoted excerpts of the file (V8: `Unexpected token 's', "..." is not valid JSON`) are cut out.
  const cleaned = (reason ?? 'not valid JSON or YAML').replace(/ while parsing .*$/, '').replace(/"[^"]*"(\.\.\.)?/g, '…').replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff]/g, '?');
  const position = /at position (\d+)/.exec(message)?.[1];
  const line = /^> (\d+) \|/m.exec(message)?.[1];
  return `cannot parse: ${cleaned.replace(/ in JSON at position \d+/, '')}${line ? ` (line ${line}${position ? `, character ${position}` : ''})` : ''}`;
}

function toProblems(issues: z.core.$ZodIssue[], provenance: Map<string, string>, values: Record<string, unknown>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = base ? `${base}.${key}` : key;
        problems.push({ source: sourceOf(provenance, path), path, message: 'unknown field; remove it or check its spelling' });
      }
      continue;
    }
    if (issue.code === 'invalid_key') {
      problems.push({ source: sourceOf(provenance, base), path: base, message: issue.issues.map((i) => i.message).join('; ') });
      continue;
    }
    const path = issue.path.map(String);
    // A field that is missing altogether (team mode's identity, say) is the business of the file that set the mode.
    problems.push({ source: sourceOf(provenance, base, sourceOf(provenance, 'mode')), path: base, message: plainMessage(issue, path, valueAt(values, path)) });
  }
  return problems;
}

function valueAt(values: unknown, path: string[]): unknown {
  let value = values;
  for (const key of path) value = Array.isArray(value) ? value[Number(key)] : isPlainObject(value) ? value[key] : undefined;
  return value;
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.source}|${p.path}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
