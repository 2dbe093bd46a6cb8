// The MCP project's conformance suite (@modelcontextprotocol/conformance) as a
// test peer. It needs Node 22 or newer and the project runs on Node 20, so
// both come from the npm registry at a pinned version, installed once into
// node_modules/.cache (a platform package: node-<os>-<arch>); the suite then
// runs its scenarios against a client command or a server URL, and the checks
// it records (results/<scenario>/checks.json) are read back.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The suite's current stable release (npm dist-tag latest) and the Node it runs on. */
export const CONFORMANCE_VERSION = '0.1.16';
export const CONFORMANCE_NODE_VERSION = '22.23.5';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'mcp-auth-proxy-conformance', `${CONFORMANCE_VERSION}-node${CONFORMANCE_NODE_VERSION}`);
const NODE_PACKAGE = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;

export interface ConformanceRuntime {
  /** The Node 22 binary. */
  node: string;
  /** The suite's CLI entry. */
  cli: string;
}

/** Installs the suite and its Node once (atomically: a half-finished install is never used). */
export async function conformanceRuntime(): Promise<ConformanceRuntime> {
  const runtime = {
    node: join(CACHE, 'node_modules', NODE_PACKAGE, 'bin', process.platform === 'win32' ? 'node.exe' : 'node'),
    cli: join(CACHE, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js'),
  };
  if (existsSync(runtime.node) && existsSync(runtime.cli)) return runtime;
  mkdirSync(dirname(CACHE), { recursive: true });
  const staging = mkdtempSync(`${CACHE}.staging-`);
  writeFileSync(join(staging, 'package.json'), JSON.stringify({ private: true }));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  await run(npm, ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error', `@modelcontextprotocol/conformance@${CONFORMANCE_VERSION}`, `${NODE_PACKAGE}@${CONFORMANCE_NODE_VERSION}`], {
    cwd: staging,
    shell: process.platform === 'win32',
    maxBuffer: 16 * 1024 * 1024,
  });
  try {
    renameSync(staging, CACHE);
  } catch {
    // Another test file installed it meanwhile: use that one.
    rmSync(staging, { recursive: true, force: true });
  }
  return runtime;
}

export interface Check {
  id: string;
  name?: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED';
  description?: string;
  errorMessage?: string;
}

export interface ScenarioResult {
  scenario: string;
  checks: Check[];
  /** Checks that failed (FAILURE), as `id: description`. */
  failures: string[];
  warnings: string[];
  /** What the client under test wrote (its stderr), for a failure message. */
  clientLog: string;
}

/** The scenario names the suite lists under "Client scenarios" / "Server scenarios". */
export async function listScenarios(runtime: ConformanceRuntime): Promise<{ client: string[]; server: string[] }> {
  const { stdout } = await run(runtime.node, [runtime.cli, 'list'], { maxBuffer: 4 * 1024 * 1024 });
  const lists = { client: [] as string[], server: [] as string[] };
  let section: 'client' | 'server' | undefined;
  for (const line of stdout.split('\n')) {
    if (/^Server scenarios/.test(line)) section = 'server';
    else if (/^Client scenarios/.test(line)) section = 'client';
    const name = /^\s+- (\S+)/.exec(line)?.[1];
    if (name && section) lists[section].push(name);
  }
  return lists;
}

/** Runs one client scenario with `command` (the suite appends the server URL). */
export async function runClientScenario(runtime: ConformanceRuntime, scenario: string, command: string, env: NodeJS.ProcessEnv = {}): Promise<ScenarioResult> {
  const out = mkdtempSync(join(tmpdir(), 'map-conformance-out-'));
  await run(runtime.node, [runtime.cli, 'client', '--command', command, '--scenario', scenario, '--timeout', '60000', '-o', out], {
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
  }).catch(() => undefined); // a failed scenario exits 1: the checks say why
  return readResults(scenario, out);
}

/** Runs every active server scenario against `url`; one result per scenario. */
export async function runServerScenarios(runtime: ConformanceRuntime, url: string): Promise<ScenarioResult[]> {
  const out = mkdtempSync(join(tmpdir(), 'map-conformance-out-'));
  await run(runtime.node, [runtime.cli, 'server', '--url', url, '-o', out], { maxBuffer: 16 * 1024 * 1024 }).catch(() => undefined);
  return readdirSync(out).map((dir) => readResults(dir.replace(/^server-/, '').replace(/-\d{4}-\d\d-\d\dT.*$/, ''), join(out, dir)));
}

function readResults(scenario: string, dir: string): ScenarioResult {
  const files = findFiles(dir, 'checks.json');
  const checks = files.flatMap((file) => JSON.parse(readFileSync(file, 'utf8')) as Check[]);
  const logs = findFiles(dir, 'stderr.txt').map((file) => readFileSync(file, 'utf8'));
  const describe = (c: Check) => `${c.id}: ${c.errorMessage ?? c.description ?? ''}`;
  return {
    scenario,
    checks,
    failures: checks.filter((c) => c.status === 'FAILURE').map(describe),
    warnings: checks.filter((c) => c.status === 'WARNING').map(describe),
    clientLog: logs.join('\n'),
  };
}

function findFiles(dir: string, name: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? findFiles(join(dir, entry.name), name) : entry.name === name ? [join(dir, entry.name)] : [],
  );
}
