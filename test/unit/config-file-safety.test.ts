// Config only from places the user controls: the project search stops at the
// repository root or the home directory (only the working directory when
// neither is above it), and user, project and --config files that are not
// regular files, belong to another user, or are writable by group or others
// are refused with the fix. Files are data: `$import` and code files are not read.
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { projectSearchDirs } from '../../src/config/data-files.js';
import { loadConfig } from '../../src/config/load.js';
import { projectDigest, recordTrust } from '../../src/config/trust.js';
import { ConfigError, type ConfigProblem } from '../../src/errors.js';

const server = (url: string) => ({ url, auth: { type: 'none' } });

/** root/ holding home/ (the fake HOME) and an XDG config dir inside it. */
function layout() {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'map-safety-')));
  const home = join(root, 'home');
  const xdg = join(home, '.config');
  mkdirSync(join(xdg, 'mcp-auth-proxy'), { recursive: true });
  return { root, home, xdg, env: { HOME: home, XDG_CONFIG_HOME: xdg, XDG_STATE_HOME: join(root, 'state') } as NodeJS.ProcessEnv };
}

async function problemsOf(promise: Promise<unknown>): Promise<ConfigProblem[]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('the project search', () => {
  test('an ancestor .mcp-auth-proxyrc above the home directory is ignored; one in home applies', async () => {
    const { root, home, env } = layout();
    writeFileSync(join(root, '.mcp-auth-proxyrc'), JSON.stringify({ servers: { planted: server('https://evil.example/mcp') } }));
    const cwd = join(home, 'work', 'deeper');
    mkdirSync(cwd, { recursive: true });
    const loaded = await loadConfig({ cwd, env });
    expect(loaded.config.servers).toEqual({});
    expect(loaded.layers.find((l) => l.kind === 'project')).toEqual({ kind: 'project', found: false });

    writeFileSync(join(home, '.mcp-auth-proxyrc'), JSON.stringify({ servers: { mine: server('https://mine.example/mcp') } }));
    await recordTrust(env, join(home, '.mcp-auth-proxyrc'), projectDigest(join(home, '.mcp-auth-proxyrc')) as string);
    const again = await loadConfig({ cwd, env });
    expect(Object.keys(again.config.servers)).toEqual(['mine']);
    expect(again.layers.find((l) => l.kind === 'project')?.file).toBe(join(home, '.mcp-auth-proxyrc'));
  });

  test('inside a repository it stops at the repository root (a .git directory or file)', async () => {
    const { home } = layout();
    const repo = join(home, 'repo');
    mkdirSync(join(repo, '.git'), { recursive: true });
    mkdirSync(join(repo, 'sub', 'dir'), { recursive: true });
    expect(await projectSearchDirs(join(repo, 'sub', 'dir'), home)).toEqual([join(repo, 'sub', 'dir'), join(repo, 'sub'), repo]);
    const worktree = join(home, 'worktree');
    mkdirSync(join(worktree, 'sub'), { recursive: true });
    writeFileSync(join(worktree, '.git'), 'gitdir: /elsewhere\n');
    expect(await projectSearchDirs(join(worktree, 'sub'), home)).toEqual([join(worktree, 'sub'), worktree]);
  });

  test('with neither a repository root nor home above it, only the working directory is searched', async () => {
    const { root, home } = layout();
    const outside = join(root, 'build', 'out');
    mkdirSync(outside, { recursive: true });
    expect(await projectSearchDirs(outside, home)).toEqual([outside]);
    // A home of "/" bounds nothing.
    expect(await projectSearchDirs(outside, '/')).toEqual([outside]);
  });

  test('a project file cannot $import code (or anything): the key is an unknown field', async () => {
    const { home, env } = layout();
    const project = join(home, 'cloned');
    mkdirSync(project, { recursive: true });
    const marker = join(project, 'ran');
    writeFileSync(join(project, 'evil.cjs'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'yes'); module.exports = {};`);
    writeFileSync(join(project, '.mcp-auth-proxyrc.json'), JSON.stringify({ $import: 'evil.cjs' }));
    // Untrusted it is not used; trusted, the key is refused: either way nothing runs.
    expect((await loadConfig({ cwd: project, env })).warnings[0]).toContain('not trusted yet');
    await recordTrust(env, join(project, '.mcp-auth-proxyrc.json'), projectDigest(join(project, '.mcp-auth-proxyrc.json')) as string);
    const problems = await problemsOf(loadConfig({ cwd: project, env }));
    expect(problems).toContainEqual(expect.objectContaining({ path: '$import', message: 'unknown field; remove it or check its spelling' }));
    expect(existsSync(marker)).toBe(false);
  });

  test('--config with a code file is refused, not run', async () => {
    const { home, env } = layout();
    const marker = join(home, 'ran');
    writeFileSync(join(home, 'team.cjs'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'yes'); module.exports = {};`);
    const problems = await problemsOf(loadConfig({ cwd: home, env, configFile: join(home, 'team.cjs') }));
    expect(problems[0]?.message).toContain('only JSON and YAML config files are read');
    expect(existsSync(marker)).toBe(false);
  });
});

describe('who controls a config file', () => {
  test('a group- or world-writable user config is refused, naming chmod', async () => {
    const { xdg, home, env } = layout();
    const file = join(xdg, 'mcp-auth-proxy', 'config.json');
    writeFileSync(file, JSON.stringify({ servers: { gw: server('https://gw.example/mcp') } }));
    chmodSync(file, 0o664);
    expect(await problemsOf(loadConfig({ cwd: home, env }))).toEqual([
      { source: file, path: '', message: `has mode 664, so its group can change it (a config file decides where your credentials are sent); run \`chmod go-w ${file}\`` },
    ]);
    chmodSync(file, 0o646);
    expect((await problemsOf(loadConfig({ cwd: home, env })))[0]?.message).toContain('so all other users can change it');
    chmodSync(file, 0o644);
    expect(Object.keys((await loadConfig({ cwd: home, env })).config.servers)).toEqual(['gw']);
  });

  test('a world-writable project file and a FIFO where a project file goes are not used, naming the fix', async () => {
    const { home, env } = layout();
    const project = join(home, 'p');
    mkdirSync(project);
    const file = join(project, 'mcp-auth-proxy.config.json');
    writeFileSync(file, JSON.stringify({ servers: { gw: server('https://gw.example/mcp') } }));
    chmodSync(file, 0o666);
    // Even trusted (its content unchanged): refused while others can change it.
    await recordTrust(env, file, projectDigest(file) as string);
    const loose = await loadConfig({ cwd: project, env });
    expect(loose.config.servers).toEqual({});
    expect(loose.warnings[0]).toContain(`${file}: this project's config file is not used:`);
    expect(loose.warnings[0]).toContain('(a project file decides where your credentials are sent); run `chmod go-w');
    const other = join(home, 'q');
    mkdirSync(other);
    execFileSync('mkfifo', ['-m', '600', join(other, '.mcp-auth-proxyrc')]);
    const fifo = await loadConfig({ cwd: other, env });
    expect(fifo.warnings[0]).toContain(`${join(other, '.mcp-auth-proxyrc')}: this project's config file is not used:`);
    expect(fifo.warnings[0]).toContain('is not a regular file (a FIFO)');
  });

  const asRoot = process.getuid?.() === 0 ? test : test.skip;
  asRoot('a config file of another user is refused, naming chown (user config, --config)', async () => {
    const { xdg, home, env } = layout();
    const user = join(xdg, 'mcp-auth-proxy', 'config.json');
    writeFileSync(user, JSON.stringify({ servers: { gw: server('https://gw.example/mcp') } }));
    chownSync(user, 65534, 65534);
    const problems = await problemsOf(loadConfig({ cwd: home, env }));
    expect(problems).toEqual([{ source: user, path: '', message: expect.stringContaining(`belongs to uid 65534, not to you (uid 0), so someone else may have written it (a config file decides where your credentials are sent); if it is yours, run \`chown 0 ${user}\``) }]);
    chownSync(user, 0, 0);

    const explicit = join(home, 'team.json');
    writeFileSync(explicit, '{}');
    chownSync(explicit, 65534, 65534);
    expect((await problemsOf(loadConfig({ cwd: home, env, configFile: explicit })))[0]).toMatchObject({ source: explicit, message: expect.stringContaining('belongs to uid 65534') });
  });
});
