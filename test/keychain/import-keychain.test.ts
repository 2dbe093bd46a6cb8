// `import --write` under a real Secret Service (gnome-keyring): the tokens
// of Claude Code, Claude Desktop, Cursor and VS Code configs land in the
// keychain where secret-tool finds them (and nowhere in a file), the agent's
// entry then works through the proxy with them, and --undo restores the
// file byte for byte with the backup's key read back from the keychain.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { startDaemon, type Daemon } from '../helpers/daemon.js';
import { CLIENTS, KEY, TOKEN, agentEntry, callAsAgent, importScenario, sha256, type ImportClient, type Scenario } from '../helpers/import-scenario.js';

let s: Scenario;
let daemon: Daemon | undefined;
afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
  await s.close();
});

const keychainEnv = {
  PATH: process.env.PATH,
  DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS,
  XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR,
  XDG_DATA_HOME: process.env.XDG_DATA_HOME,
  NODE_OPTIONS: '',
};

const lookup = (account: string) => {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', 'mcp-auth-proxy', 'username', account], { encoding: 'utf8', env: process.env });
  } catch {
    return undefined;
  }
};

test.each(Object.keys(CLIENTS) as ImportClient[])('%s: the tokens go to the keychain, the agent works through the proxy, --undo restores the file', async (client) => {
  s = await importScenario(client, keychainEnv);
  const http = client !== 'claude-desktop';
  if (http) daemon = await startDaemon(s.env, s.home);
  const listen = daemon ? ['--listen', new URL(daemon.url).host] : [];
  const written = await runCli(['import', '--client', client, '--write', ...listen], { cwd: s.home, env: s.env });
  expect(written.stderr).not.toContain('error:');
  expect(written.code).toBe(0);
  expect(written.stdout).toContain('in the OS keychain');
  expect(lookup('tools.tools-api-token')).toBe(TOKEN);
  if (http) expect(lookup(client === 'claude-code' ? 'remote.authorization' : client === 'cursor' ? 'remote.x-api-key' : 'remote.url-api-key')).toBe(KEY);
  expect(existsSync(join(s.home, 'config', 'mcp-auth-proxy', 'secrets.insecure.json'))).toBe(false);
  expect(readFileSync(s.agentFile, 'utf8')).not.toContain(TOKEN);

  const tools = agentEntry(s, client, 'tools');
  expect(await callAsAgent(s, tools, 'secret-hash', { name: 'TOOLS_API_TOKEN' })).toBe(sha256(TOKEN));
  if (http) expect(await callAsAgent(s, agentEntry(s, client, 'remote'), 'echo', { text: 'kc' })).toBe('upstream echo: kc');

  const undone = await runCli(['import', '--client', client, '--undo'], { cwd: s.home, env: s.env });
  expect(undone.code).toBe(0);
  expect(readFileSync(s.agentFile).equals(s.original)).toBe(true);
});
