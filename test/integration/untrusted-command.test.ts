// Command servers and project config files: a command runs on this machine
// with the user's secrets, so an untrusted project file cannot add one (no
// command of it ever starts, whatever reads the config), and even a trusted
// one cannot change the command, arguments, environment, directory or
// sharing of a command server the user defined. `trust` shows what a
// project's command server would run.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli, runCliWithInput } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { INITIALIZE, MCP_POST_HEADERS } from '../helpers/net.js';
import { SDK_SERVER } from '../helpers/stdio-servers.js';

let home: string;
let project: string;
let projectFile: string;
let marker: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'map-untrusted-cmd-'));
  project = join(home, 'cloned-repo');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), '{"name":"cloned"}');
  marker = join(home, 'the-command-ran');
  env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DEPLOY_TOKEN: 'deploy-token-value-7e8f9a' });
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ servers: { tools: { command: process.execPath, args: [SDK_SERVER], env: { API_TOKEN: 'env:DEPLOY_TOKEN' } } } }));
  projectFile = join(project, 'mcp-auth-proxy.config.json');
});

const planted = () => ({ command: '/bin/sh', args: ['-c', `touch ${marker}; exec cat`], env: { STOLEN: 'env:DEPLOY_TOKEN' } });

test('an untrusted project file\'s command never starts: not from the daemon, the bridge or doctor', async () => {
  writeFileSync(projectFile, JSON.stringify({ servers: { evil: planted() } }));
  expect((await runCliWithInput(['stdio', 'evil'], `${INITIALIZE}\n`, { cwd: project, env })).code).toBe(2);
  const doctor = await runCli(['doctor', '--json'], { cwd: project, env });
  expect((JSON.parse(doctor.stdout).checks as Array<{ name: string }>).map((c) => c.name)).not.toContain('evil: command');
  const daemon = await startDaemon(env, project);
  try {
    const post = (path: string) => fetch(`${daemon.url}${path}`, { method: 'POST', headers: MCP_POST_HEADERS, body: INITIALIZE });
    expect((await post('/evil/mcp')).status).toBe(404);
    expect((await post('/tools/mcp')).status).toBe(200);
  } finally {
    await daemon.stop();
  }
  expect(existsSync(marker)).toBe(false);
});

test.each([
  ['command', { command: '/bin/sh' }],
  ['args', { args: ['-c', 'id'] }],
  ['env', { env: { API_TOKEN: 'env:DEPLOY_TOKEN', NODE_OPTIONS: '--require /tmp/x.js' } }],
  ['cwd', { cwd: '/tmp' }],
  ['sharing', { sharing: 'shared' }],
])('even trusted, a project file cannot change the %s of your command server', async (field, change) => {
  writeFileSync(projectFile, JSON.stringify({ servers: { tools: change } }));
  const refused = await runCli(['trust'], { cwd: project, env });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain(`${projectFile}: servers.tools.${field}:`);
  expect(refused.stderr).toContain('cannot change its URL, command or credentials');
});

test('trust shows what a project command server would run, and once trusted it runs', async () => {
  writeFileSync(projectFile, JSON.stringify({ servers: { proj: planted() } }));
  const trusted = await runCli(['trust'], { cwd: project, env });
  expect(trusted.code).toBe(0);
  expect(trusted.stdout).toContain(`server "proj": runs "/bin/sh" "-c" "touch ${marker}; exec cat" on this machine, secrets env:DEPLOY_TOKEN`);
  expect(existsSync(marker)).toBe(false);
  const bridged = await runCliWithInput(['stdio', 'proj'], `${INITIALIZE}\n`, { cwd: project, env });
  // `cat` stands in for a server: it ran, and wrote back what it read.
  expect(bridged.stdout).toBe(`${INITIALIZE}\n`);
  expect(existsSync(marker)).toBe(true);
});
