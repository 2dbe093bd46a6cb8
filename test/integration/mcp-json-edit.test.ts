// mcp-json --write on real agent config files: VS Code's JSONC (comments,
// trailing commas), Codex's TOML and Goose's YAML keep every byte outside the
// proxy's entry; filesystem failures are one-line errors with exit 1, never a
// stack trace or a hang.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { cleanEnv, runCli, type CliResult } from '../helpers/cli.js';

const FIXTURES = new URL('../fixtures/agent-configs/', import.meta.url);
const home = mkdtempSync(join(tmpdir(), 'map-edit-'));
const env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), MCP_UPSTREAM_URL: 'https://gw.example/api/mcp', MCP_API_KEY: 'k', MCP_API_SECRET: 'edit-secret-6a7b8c9d', MCP_LISTEN_ADDR: '127.0.0.1:8899' });
const URL_NOW = 'http://127.0.0.1:8899/default/mcp';

/** A copy of a fixture in its own directory (backups land beside it). */
function sample(name: string): { file: string; before: string } {
  const dir = mkdtempSync(join(home, 'case-'));
  const file = join(dir, name);
  copyFileSync(new URL(name, FIXTURES), file);
  return { file, before: readFileSync(file, 'utf8') };
}

/** Where two texts differ: the original's span [start, end) that was replaced, and by what. */
function difference(before: string, after: string): { start: number; end: number; removed: string; inserted: string } {
  let p = 0;
  while (p < before.length && p < after.length && before[p] === after[p]) p++;
  let s = 0;
  while (s < before.length - p && s < after.length - p && before[before.length - 1 - s] === after[after.length - 1 - s]) s++;
  return { start: p, end: before.length - s, removed: before.slice(p, before.length - s), inserted: after.slice(p, after.length - s) };
}

const write = (client: string, file: string, ...extra: string[]) => runCli(['mcp-json', 'default', '--client', client, '--write', '--file', file, ...extra], { cwd: home, env });

test('VS Code mcp.json with comments and trailing commas: the new entry is inserted, every other byte is kept', async () => {
  const { file, before } = sample('vscode-mcp.json');
  const result = await write('vscode', file);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const after = readFileSync(file, 'utf8');
  const change = difference(before, after);
  expect(change.removed).toBe('');
  expect(change.inserted).toContain('"default": {');
  const parsed = parseJsonc(after, [], { allowTrailingComma: true });
  expect(parsed.servers).toEqual({
    github: { type: 'http', url: 'https://api.githubcopilot.com/mcp/', headers: { Authorization: 'Bearer ${input:github-token}' } },
    default: { type: 'http', url: URL_NOW },
  });
  expect(after).toContain('"password": true, // never shown');
  expect(after).toContain('}, // keep this one');
  const backups = readdirSync(join(file, '..')).filter((f) => f.startsWith('vscode-mcp.json.bak-'));
  expect(backups.map((b) => readFileSync(join(file, '..', b), 'utf8'))).toEqual([before]);
});

test('JSONC with tabs: --force replaces only the old entry\'s value, in the file\'s indentation', async () => {
  const { file, before } = sample('vscode-mcp-replace.json');
  const result = await write('vscode', file, '--force');
  expect(result.code).toBe(0);
  const after = readFileSync(file, 'utf8');
  const entryStart = before.indexOf('"default": {');
  const entryEnd = before.indexOf('\t\t},', entryStart) + 3;
  const change = difference(before, after);
  expect(change.start).toBeGreaterThanOrEqual(entryStart);
  expect(change.end).toBeLessThanOrEqual(entryEnd);
  expect(after).toContain(`"default": {\n\t\t\t"type": "http",\n\t\t\t"url": "${URL_NOW}"\n\t\t},`);
  expect(parseJsonc(after).servers.memory).toEqual({ command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] });
});

test('Codex config.toml: --force replaces our table and its sub-table; comments and other tables are byte for byte the same', async () => {
  const { file, before } = sample('codex-config.toml');
  const result = await write('codex', file, '--force');
  expect(result.code).toBe(0);
  const after = readFileSync(file, 'utf8');
  const entryStart = before.indexOf('[mcp_servers.default]');
  const entryEnd = before.indexOf('OLD = "value"\n') + 'OLD = "value"\n'.length;
  const change = difference(before, after);
  expect(change.start).toBeGreaterThanOrEqual(entryStart);
  expect(change.end).toBeLessThanOrEqual(entryEnd);
  expect(after.slice(0, entryStart)).toBe(before.slice(0, entryStart));
  expect(after.endsWith(before.slice(entryEnd))).toBe(true);
  expect(JSON.parse(JSON.stringify(parseToml(after)))).toEqual({
    model: 'gpt-5-codex',
    approval_policy: 'on-request',
    mcp_servers: { docs: { command: 'npx', args: ['-y', '@upstash/context7-mcp'] }, default: { url: URL_NOW } },
    profiles: { fast: { model: 'gpt-5-mini' } },
  });
});

test('Codex config.toml: a new server goes after the last server table, nothing else moves', async () => {
  const { file, before } = sample('codex-config.toml');
  writeFileSync(file, before.replace(/# Our proxy[\s\S]*?OLD = "value"\n/, ''));
  const trimmed = readFileSync(file, 'utf8');
  const added = await write('codex', file);
  expect(added.code).toBe(0);
  const change = difference(trimmed, readFileSync(file, 'utf8'));
  expect(change.removed).toBe('');
  expect(change.start).toBeLessThan(trimmed.indexOf('# Profiles come after'));
  expect(change.inserted).toContain(`[mcp_servers.default]\nurl = "${URL_NOW}"`);
});

test('Goose config.yaml: a new extension is inserted with its comments around it kept; --force then replaces only it', async () => {
  const { file, before } = sample('goose-config.yaml');
  const first = await write('goose', file);
  expect(first.code).toBe(0);
  const afterFirst = readFileSync(file, 'utf8');
  const change = difference(before, afterFirst);
  expect(change.removed).toBe('');
  const parsed = parseYaml(afterFirst);
  expect(parsed.extensions.default).toMatchObject({ type: 'streamable_http', uri: URL_NOW });
  expect(Object.keys(parsed.extensions)).toEqual(['developer', 'memory', 'default']);
  expect(afterFirst).toContain('enabled: false   # turned off for now\n');

  const second = await runCli(['mcp-json', 'default', '--client', 'goose', '--write', '--file', file, '--force'], { cwd: home, env: { ...env, MCP_LISTEN_ADDR: '127.0.0.1:8900' } });
  expect(second.code).toBe(0);
  const afterSecond = readFileSync(file, 'utf8');
  const entryStart = afterFirst.indexOf('  default:');
  const entryEnd = afterFirst.indexOf('# tool output settings');
  const replaced = difference(afterFirst, afterSecond);
  expect(replaced.start).toBeGreaterThanOrEqual(entryStart);
  expect(replaced.end).toBeLessThanOrEqual(entryEnd);
  expect(parseYaml(afterSecond).extensions.default.uri).toBe('http://127.0.0.1:8900/default/mcp');
});

test('a file linked from elsewhere (dotfile managers) is written through the link, which stays a link', async () => {
  const { file, before } = sample('vscode-mcp.json');
  const link = join(home, `linked-${Date.now()}.json`);
  symlinkSync(file, link);
  const result = await write('vscode', link);
  expect(result.code).toBe(0);
  expect(readdirSync(home)).toContain(link.split('/').pop());
  expect(readFileSync(link, 'utf8')).toBe(readFileSync(file, 'utf8'));
  expect(readFileSync(file, 'utf8')).not.toBe(before);
  expect(execFileSync('readlink', [link], { encoding: 'utf8' }).trim()).toBe(file);
});

/** One error line and one hint line, exit 1, no stack trace. */
function expectOneLineError(result: CliResult, pattern: RegExp): void {
  expect(result.code).toBe(1);
  const lines = result.stderr.trim().split('\n');
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
  expect(lines.slice(1).every((line) => line.startsWith('hint: '))).toBe(true);
  expect(result.stderr).not.toMatch(/\n\s+at |unexpected failure/);
}

describe('filesystem failures are one-line errors', () => {
  test('a directory where the file should be', async () => {
    const dir = mkdtempSync(join(home, 'dir-'));
    expectOneLineError(await write('cursor', dir), /it is a directory, not a file/);
  });

  test('a path under a regular file', async () => {
    const plain = join(home, 'plain-file');
    writeFileSync(plain, 'x');
    expectOneLineError(await write('cursor', join(plain, 'mcp.json')), /a part of the path is a file, not a directory/);
  });

  test('a FIFO is refused without being opened (no hang)', async () => {
    const fifo = join(mkdtempSync(join(home, 'fifo-')), 'mcp.json');
    execFileSync('mkfifo', [fifo]);
    expectOneLineError(await write('cursor', fifo), /named pipe \(FIFO\), not a regular file/);
  });

  test('a place nobody may write, root included (/sys)', async () => {
    // sysfs refuses new files to root too; in a container it may be mounted read-only instead.
    expectOneLineError(await write('cursor', '/sys/mcp-auth-proxy-test.json'), /Cannot write \/sys\/mcp-auth-proxy-test\.json: (permission denied|the file system is read-only)$/);
  });

  test('a path in /proc', async () => {
    expectOneLineError(await write('cursor', '/proc/self/mcp.json'), /Cannot write \/proc\/self\/mcp\.json: /);
    expectOneLineError(await write('cursor', '/proc/version/mcp.json'), /a part of the path is a file, not a directory/);
  });

  test('a file that does not parse is named with the line, and left alone', async () => {
    const dir = mkdtempSync(join(home, 'bad-'));
    const file = join(dir, 'mcp.json');
    writeFileSync(file, '{\n  "mcpServers": {\n    "a": \n}\n');
    expectOneLineError(await write('cursor', file), /Cannot parse .*mcp\.json as JSON \(with comments\): ValueExpected at line 4/);
    expect(readdirSync(dir)).toEqual(['mcp.json']);
  });
});

test('a TOML entry written as an inline table is refused, not mangled', async () => {
  const dir = mkdtempSync(join(home, 'inline-'));
  const file = join(dir, 'config.toml');
  const before = 'model = "o3"\n\n[mcp_servers]\ndefault = { url = "http://old" }\n';
  writeFileSync(file, before);
  expectOneLineError(await write('codex', file, '--force'), /inline table or dotted keys/);
  expect(readFileSync(file, 'utf8')).toBe(before);
});

test('a new file is created with the entry alone', async () => {
  const file = join(mkdtempSync(join(home, 'new-')), 'nested', 'mcp.json');
  const result = await write('cursor', file);
  expect(result.code).toBe(0);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ mcpServers: { default: { type: 'http', url: URL_NOW } } });
});
