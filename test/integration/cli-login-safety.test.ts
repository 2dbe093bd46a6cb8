// login never leaves things worse: a name the config would refuse is refused
// before anything is asked or written, and Ctrl-C at the hidden prompt ends
// it with one line and exit 130, nothing stored, no stack trace.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCliWithInput } from '../helpers/cli.js';
import { runCliOnTerminal } from '../helpers/pty.js';

let home: string;
let env: NodeJS.ProcessEnv;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'map-login-safety-'));
  env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
});
const written = () => [join(home, 'config', 'mcp-auth-proxy', 'config.json'), join(home, 'config', 'mcp-auth-proxy', 'secrets.insecure.json')].filter(existsSync);

test.each([
  ['metrics', /reserved by the proxy/],
  ['healthz', /reserved by the proxy/],
  ['MCP', /reserved by the proxy/],
  ['my server', /letters, digits/],
  ['../etc', /letters, digits/],
  ['a%2fb', /letters, digits/],
])('login %s is refused before the secret is read, exit 2, nothing written', async (name, reason) => {
  const result = await runCliWithInput(['login', name, '--url', 'https://mcp.example.com/mcp', '--type', 'bearer', '--stdin', '--insecure-storage', '--no-verify'], 'bad-name-secret-4410', { cwd: home, env });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`"${name}" cannot be a server name`);
  expect(result.stderr).toMatch(reason);
  expect(result.stderr).toContain('nothing was stored');
  expect(written()).toEqual([]);
});

test('Ctrl-C at the hidden prompt: one line, exit 130, no stack trace, nothing stored', async () => {
  const result = await runCliOnTerminal(['login', 'gw', '--url', 'https://mcp.example.com/mcp', '--type', 'bearer', '--insecure-storage'], {
    env,
    cwd: home,
    prompt: 'for gw (input hidden)',
    keys: '\x03',
  });
  expect(result.code).toBe(130);
  const after = result.output.slice(result.output.indexOf('(input hidden)'));
  expect(after).toContain('Cancelled at the prompt; nothing was stored');
  expect(after).not.toMatch(/\bat \S+ \(|unexpected failure|ExitPromptError/);
  expect(after.split('\n').filter((line) => line.includes('error:'))).toHaveLength(1);
  expect(written()).toEqual([]);
});
