// `completion bash|zsh|fish`: scripts generated from the command table, loaded
// in real shells. bash is driven the way it completes (COMP_WORDS/COMP_CWORD
// and the registered function): commands, options, option values, and server
// names from the config of the directory it runs in. zsh and fish (installed
// by .ci/run) are checked when present: fish completes with `complete -C`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, cleanEnv, runCli } from '../helpers/cli.js';

const home = mkdtempSync(join(tmpdir(), 'map-completion-'));
const binDir = join(home, 'bin');
mkdirSync(binDir);
symlinkSync(BIN, join(binDir, 'mcp-auth-proxy'));
mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ servers: { gw: { url: 'https://gw.example/mcp', auth: { type: 'none' } }, glean: { url: 'https://glean.example/mcp', auth: { type: 'none' } } } }));
// The scripts call `mcp-auth-proxy` by name, as a user's shell would find it.
const env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), PATH: `${binDir}:${process.env.PATH}` });

const has = (shell: string) => spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;

/** What bash offers for the line `words` with the cursor on the last word. */
function bashComplete(words: string[]): string[] {
  const array = words.map((w) => `'${w}'`).join(' ');
  const script = `source <(mcp-auth-proxy completion bash)\nCOMP_WORDS=(${array})\nCOMP_CWORD=${words.length - 1}\n_mcp_auth_proxy\nprintf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', script], { env, cwd: home, encoding: 'utf8' }).split('\n').filter(Boolean).sort();
}

test('bash: sourcing the script registers the completion function', () => {
  const registered = execFileSync('bash', ['-c', 'source <(mcp-auth-proxy completion bash); complete -p mcp-auth-proxy'], { env, encoding: 'utf8' });
  expect(registered.trim()).toBe('complete -F _mcp_auth_proxy mcp-auth-proxy');
});

test('bash: commands, options, option values and server names complete', () => {
  expect(bashComplete(['mcp-auth-proxy', 'st'])).toEqual(['start', 'status', 'stdio', 'stop']);
  expect(bashComplete(['mcp-auth-proxy', 'lo'])).toEqual(['login', 'logout', 'logs']);
  expect(bashComplete(['mcp-auth-proxy', 'login', 'g'])).toEqual(['glean', 'gw']);
  expect(bashComplete(['mcp-auth-proxy', 'login', '--stdin', ''])).toEqual(['glean', 'gw']);
  expect(bashComplete(['mcp-auth-proxy', 'login', 'gw', ''])).toEqual([]);
  expect(bashComplete(['mcp-auth-proxy', 'mcp-json', '--client', 'cursor', ''])).toEqual(['glean', 'gw']);
  expect(bashComplete(['mcp-auth-proxy', 'mcp-json', '--client', 'cu'])).toEqual(['cursor', 'cursor-agent']);
  expect(bashComplete(['mcp-auth-proxy', 'start', '--log-level', ''])).toEqual(['debug', 'error', 'info', 'warn']);
  expect(bashComplete(['mcp-auth-proxy', 'logs', '--'])).toEqual(['--follow', '--help', '--json', '--lines', '--since']);
  expect(bashComplete(['mcp-auth-proxy', 'completion', ''])).toEqual(['bash', 'fish', 'zsh']);
  expect(bashComplete(['mcp-auth-proxy', 'start', '--config', 'con'])).toEqual(['config']);
});

test('every command in --help is completed, and nothing that is not one', async () => {
  const help = await runCli(['--help'], { env });
  const listed = [...help.stdout.matchAll(/^ {2}([a-z-]+)(?: \[options\]| <| \[| {2,}|$)/gm)].map((m) => m[1]).filter((name) => name !== 'help');
  expect(listed.length).toBeGreaterThan(10);
  expect(bashComplete(['mcp-auth-proxy', ''])).toEqual([...listed, '--help', '--version'].sort());
});

test('an unknown shell is a usage error; --servers is quiet when the config does not load', async () => {
  const unknown = await runCli(['completion', 'powershell'], { env });
  expect(unknown.code).toBe(2);
  const broken = mkdtempSync(join(tmpdir(), 'map-completion-broken-'));
  mkdirSync(join(broken, 'mcp-auth-proxy'));
  writeFileSync(join(broken, 'mcp-auth-proxy', 'config.json'), '{ not json');
  const quiet = await runCli(['completion', '--servers'], { env: { ...env, XDG_CONFIG_HOME: broken }, cwd: broken });
  expect([quiet.code, quiet.stdout, quiet.stderr]).toEqual([0, '', '']);
});

(has('fish') ? test : test.skip)('fish: completes commands, option values and servers (complete -C)', () => {
  const complete = (line: string) =>
    execFileSync('fish', ['--no-config', '-c', `mcp-auth-proxy completion fish | source; complete -C '${line}'`], { env, cwd: home, encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0])
      .sort();
  expect(complete('mcp-auth-proxy st')).toEqual(['start', 'status', 'stdio', 'stop']);
  expect(complete('mcp-auth-proxy login ')).toEqual(['glean', 'gw']);
  expect(complete('mcp-auth-proxy start --log-level ')).toEqual(['debug', 'error', 'info', 'warn']);
});

(has('zsh') ? test : test.skip)('zsh: the script parses and registers its function with compdef', () => {
  const script = execFileSync('mcp-auth-proxy', ['completion', 'zsh'], { env, encoding: 'utf8' });
  const file = join(home, '_mcp-auth-proxy');
  writeFileSync(file, script);
  execFileSync('zsh', ['-n', file], { env });
  const registered = execFileSync('zsh', ['-f', '-c', `autoload -U compinit && compinit -u -D && source ${file} && print -r -- $_comps[mcp-auth-proxy]`], { env, encoding: 'utf8' });
  expect(registered.trim()).toBe('_mcp_auth_proxy');
});
