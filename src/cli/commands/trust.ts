// `mcp-auth-proxy trust [file]`: use the project config file found from here
// (as direnv and mise ask before running a repository's .envrc): it shows
// what the file sets (servers, where they go, which secrets they name) and
// records its path and a hash of its content; a later change needs trusting
// again. `--list` shows what is trusted, `--revoke` takes it back.
import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { describeParseError, loadConfig } from '../../config/load.js';
import { isPlainObject } from '../../config/layers.js';
import { PROJECT_SEARCH_PLACES, findProjectFile, type ProjectFile } from '../../config/project.js';
import { projectDigest, readTrust, recordTrust, revokeTrust, trustKey, trustStoreFile, type TrustRecord } from '../../config/trust.js';
import { AppError, ConfigError, EXIT_USAGE } from '../../errors.js';
import { print, type CommandContext } from '../context.js';

export interface TrustOptions {
  list?: boolean;
  revoke?: boolean;
  json?: boolean;
}

export async function trust(ctx: CommandContext, file: string | undefined, options: TrustOptions): Promise<void> {
  if (options.list) return list(ctx, options.json === true);
  const project = await locate(ctx, file);
  if (options.revoke) {
    const removed = await revokeTrust(ctx.env, project.file);
    print(ctx, removed ? `No longer trusted: ${project.file} (mcp-auth-proxy ignores it from now on).` : `${project.file} was not trusted; nothing to revoke.`);
    return;
  }
  if (project.problem || !project.values) {
    throw new ConfigError([{ source: project.file, path: '', message: project.problem ?? 'it holds nothing' }], `${project.file} was not trusted: fix it, then run \`mcp-auth-proxy trust\` again.`);
  }
  const digest = projectDigest(project.file, project.packageKey);
  if (!digest) throw new AppError('PROJECT_FILE_UNREADABLE', `${project.file} cannot be read`);
  const before = (await readTrust(ctx.env))[trustKey(project.file)];
  await recordTrust(ctx.env, project.file, digest);
  // Trusted as it is, the file must also make a valid config with yours: otherwise the trust is taken back.
  try {
    await loadConfig({ cwd: ctx.cwd, env: ctx.env });
  } catch (error) {
    if (before) await recordTrust(ctx.env, project.file, before.sha256, new Date(before.trustedAt));
    else await revokeTrust(ctx.env, project.file);
    if (error instanceof ConfigError) throw new ConfigError(error.problems, `${project.file} was not trusted: fix the fields above, then run \`mcp-auth-proxy trust\` again.`);
    throw error;
  }
  if (options.json) {
    print(ctx, JSON.stringify({ trusted: project.file, sha256: digest, sets: summary(project.values) }, null, 2));
    return;
  }
  print(ctx, `${project.file} sets:`);
  for (const line of describe(project.values)) print(ctx, `  ${line}`);
  print(ctx, `Trusted ${project.file} (sha256 ${digest.slice(0, 12)}…). If it changes, it is not used until you run \`mcp-auth-proxy trust\` again.`);
  print(ctx, 'A running daemon uses it after `mcp-auth-proxy reload`.');
}

/** The file named, or the project file that applies in the working directory. */
async function locate(ctx: CommandContext, file: string | undefined): Promise<ProjectFile> {
  if (file !== undefined) {
    const path = resolve(ctx.cwd, file);
    if (!PROJECT_SEARCH_PLACES.includes(basename(path))) {
      throw new AppError('NOT_A_PROJECT_FILE', `${path} is not a project config file`, { hint: `Project config files are named ${PROJECT_SEARCH_PLACES.join(', ')}.`, exitCode: EXIT_USAGE });
    }
    const found = await findProjectFile(resolve(path, '..'), ctx.env, describeParseError);
    if (found && found.file === path) return found;
    throw new AppError('NO_PROJECT_FILE', `${path} is not the project config file mcp-auth-proxy reads there${found ? ` (that is ${found.file})` : ''}`, { hint: 'Run `mcp-auth-proxy trust` without a file in the project directory.' });
  }
  const found = await findProjectFile(ctx.cwd, ctx.env, describeParseError);
  if (!found) {
    throw new AppError('NO_PROJECT_FILE', `No project config file applies in ${ctx.cwd}`, { hint: `Project config files are named ${PROJECT_SEARCH_PLACES.join(', ')} (or the "mcp-auth-proxy" key of package.json).` });
  }
  return found;
}

interface ServerSummary {
  url?: unknown;
  auth?: unknown;
  /** A command server: the program and arguments it runs on this machine. */
  command?: string;
  secrets: string[];
}

/** What the file sets, for the user to review: its servers with where they go and which secrets they name, and its other fields. */
function summary(values: Record<string, unknown>): { servers: Record<string, ServerSummary>; fields: string[] } {
  const servers: Record<string, ServerSummary> = {};
  const raw = isPlainObject(values.servers) ? values.servers : {};
  for (const [name, server] of Object.entries(raw)) {
    const entry = isPlainObject(server) ? server : {};
    const auth = isPlainObject(entry.auth) ? entry.auth : undefined;
    const command = typeof entry.command === 'string' ? [entry.command, ...(Array.isArray(entry.args) ? entry.args.map(String) : [])].map((part) => JSON.stringify(part)).join(' ') : undefined;
    servers[name] = { url: entry.url, auth: auth?.type, ...(command ? { command } : {}), secrets: references(entry) };
  }
  return { servers, fields: Object.keys(values).filter((key) => key !== 'servers') };
}

function describe(values: Record<string, unknown>): string[] {
  const { servers, fields } = summary(values);
  const lines = Object.entries(servers).map(([name, s]) => {
    const where = s.command ? `runs ${s.command} on this machine` : s.url === undefined ? '(no url)' : String(s.url);
    return `server "${name}": ${where}${s.auth ? `, auth ${String(s.auth)}` : ''}${s.secrets.length ? `, secrets ${s.secrets.join(', ')}` : ''}`;
  });
  if (fields.length) lines.push(`settings: ${fields.join(', ')}`);
  return lines.length ? lines : ['nothing'];
}

/** Every secret reference anywhere in a server entry (auth fields and static headers). */
function references(value: unknown): string[] {
  if (typeof value === 'string') return /^(keychain|env|file):/.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(references);
  return isPlainObject(value) ? Object.values(value).flatMap(references) : [];
}

async function list(ctx: CommandContext, json: boolean): Promise<void> {
  const files = await readTrust(ctx.env);
  const rows = Object.entries(files).map(([file, record]) => ({ file, ...record, status: status(file, record) }));
  if (json) {
    print(ctx, JSON.stringify({ store: trustStoreFile(ctx.env), trusted: rows }, null, 2));
    return;
  }
  if (rows.length === 0) {
    print(ctx, 'No project config file is trusted.');
    return;
  }
  for (const row of rows) print(ctx, `${row.file}  trusted ${row.trustedAt}  ${row.status === 'current' ? 'in use' : row.status === 'changed' ? 'CHANGED since: not used until trusted again' : 'file gone'}`);
}

function status(file: string, record: TrustRecord): 'current' | 'changed' | 'missing' {
  const stats = statSync(file, { throwIfNoEntry: false });
  if (!stats) return 'missing';
  let digest: string | undefined;
  try {
    // Only a regular file is read (a FIFO put in its place must not hang the listing).
    digest = !stats.isFile() ? undefined : file.endsWith('package.json') ? projectDigest(file, (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)['mcp-auth-proxy']) : projectDigest(file);
  } catch {
    digest = undefined; // no longer parses: not what was trusted
  }
  return digest === record.sha256 ? 'current' : 'changed';
}
