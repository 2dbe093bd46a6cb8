// Bad config never starts the proxy: every problem is reported at once as
// `file: field.path: message`, exit code 2, and a literal secret is never echoed.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';

const home = () => mkdtempSync(join(tmpdir(), 'map-home-'));

test('a project file with several problems: trusting it reports each with file and field, and it stays untrusted', async () => {
  const dir = home();
  const file = join(dir, 'mcp-auth-proxy.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      listen: 'nowhere',
      servers: {
        gw: { url: 'ftp://x', auth: { type: 'hmac', keyId: 'k', secret: 'hunter2-literal-secret' } },
        other: { url: 'https://ok.example/mcp', auth: { type: 'hmac', keyId: 'k', secret: 'env:X' }, colour: 'blue' },
      },
    }),
  );
  const env = cleanEnv({ HOME: dir, XDG_STATE_HOME: join(dir, 'state') });
  const result = await runCli(['trust'], { cwd: dir, env });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`${file}: listen: must be host:port`);
  expect(result.stderr).toContain(`${file}: servers.gw.url: must be an http:// or https:// URL`);
  expect(result.stderr).toContain(`${file}: servers.gw.auth.secret: a secret value cannot be written in config; write "keychain:gw" (stored by \`mcp-auth-proxy login gw\`)`);
  expect(result.stderr).toContain(`${file}: servers.other.colour: unknown field`);
  expect(result.stderr + result.stdout).not.toContain('hunter2-literal-secret');
  expect(result.stderr).toContain('was not trusted: fix the fields above');
  // The same content in a file of the user's own given with --config stops start with the same problems.
  const own = join(dir, 'team.json');
  writeFileSync(own, readFileSync(file));
  const start = await runCli(['start', '--config', own], { cwd: dir, env });
  expect(start.code).toBe(2);
  expect(start.stderr).toContain(`${own}: servers.other.colour: unknown field`);
  // Given with --config, an untrusted project file is refused as such (its content is not read into the config).
  const named = await runCli(['start', '--config', file], { cwd: dir, env });
  expect(named.code).toBe(2);
  expect(named.stderr).toContain(`${file}: (root): this is a project config file that is not trusted`);
  expect((await runCli(['trust', '--list'], { cwd: dir, env })).stdout).toContain('No project config file is trusted');
});

test('--config pointing nowhere names the file', async () => {
  const dir = home();
  const result = await runCli(['start', '--config', 'missing.json'], { cwd: dir, env: cleanEnv({ HOME: dir }) });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`${join(dir, 'missing.json')}: (root): file not found (given with --config)`);
});

test('malformed JSON names the file: in --config, and when trusting a project file', async () => {
  const dir = home();
  const file = join(dir, 'mcp-auth-proxy.config.json');
  writeFileSync(file, '{ "servers": { ');
  const own = join(dir, 'team.json');
  writeFileSync(own, '{ "servers": { ');
  const env = cleanEnv({ HOME: dir, XDG_STATE_HOME: join(dir, 'state') });
  const result = await runCli(['start', '--config', own], { cwd: dir, env });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`${own}: (root): cannot parse`);
  const trust = await runCli(['trust'], { cwd: dir, env });
  expect(trust.code).toBe(2);
  expect(trust.stderr).toContain(`${file}: (root): cannot parse`);
});

test('the env contract without MCP_API_SECRET says which variable is missing', async () => {
  const dir = home();
  const result = await runCli(['start'], {
    cwd: dir,
    env: cleanEnv({ HOME: dir, MCP_UPSTREAM_URL: 'https://mcp.corp.example/api/mcp', MCP_API_KEY: 'key-1' }),
  });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('environment: servers.default.auth.secret: MCP_API_SECRET is not set');
});

test('no servers at all explains how to add one, exit 2', async () => {
  const dir = home();
  const result = await runCli(['start'], { cwd: dir, env: cleanEnv({ HOME: dir }) });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('error: No MCP servers are configured');
  expect(result.stderr).toContain('MCP_UPSTREAM_URL');
});

test('a bad MCP_REQUEST_TIMEOUT names the variable', async () => {
  const dir = home();
  const result = await runCli(['start'], {
    cwd: dir,
    env: cleanEnv({ HOME: dir, MCP_UPSTREAM_URL: 'https://x.example/mcp', MCP_API_KEY: 'k', MCP_API_SECRET: 's', MCP_REQUEST_TIMEOUT: 'soon' }),
  });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain('environment MCP_REQUEST_TIMEOUT: requestTimeout: "soon" is not a duration');
});
