// Values that end up in HTTP headers (servers.*.headers, MCP_SESSION_VALUE,
// the hmac key id, the act-as user) are refused at config load when they hold
// CR, LF or another character a header cannot carry, naming the file (or
// variable) and the field, without echoing the value.
import { loadConfig } from '../../src/config/load.js';
import { ConfigError, type ConfigProblem } from '../../src/errors.js';
import { configSandbox, writeJson } from '../helpers/config-sandbox.js';

async function problemsOf(promise: Promise<unknown>): Promise<ConfigProblem[]> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const LINE_BREAK = 'contains a line break (CR or LF), which would end the HTTP header early; remove it';

test('static header values, the hmac key id and the act-as user with CR/LF: each refused with file and field', async () => {
  const s = configSandbox();
  writeJson(s.userFile, {
    servers: {
      gw: { url: 'https://gw.example/mcp', headers: { 'X-Team': 'blue\r\nX-Injected: 1', 'X-Fine': 'plain value é' }, auth: { type: 'hmac', keyId: 'key\nid', secret: 'env:S' } },
      glean: { url: 'https://glean.example/mcp', headers: { 'X-Nul': 'a\u0000b' }, auth: { type: 'act-as', token: 'env:T', user: 'me@acme.com\r\nX-Glean-ActAs: boss@acme.com' } },
    },
  });
  const problems = await problemsOf(loadConfig({ cwd: s.project, env: { XDG_CONFIG_HOME: s.xdg } }));
  expect(problems).toEqual(
    expect.arrayContaining([
      { source: s.userFile, path: 'servers.gw.headers.X-Team', message: LINE_BREAK },
      { source: s.userFile, path: 'servers.gw.auth.keyId', message: LINE_BREAK },
      { source: s.userFile, path: 'servers.glean.headers.X-Nul', message: 'contains a character an HTTP header cannot carry (a control character, or one beyond Latin-1); remove it' },
      { source: s.userFile, path: 'servers.glean.auth.user', message: expect.stringContaining('user must be the email') },
    ]),
  );
  expect(problems).toHaveLength(4);
  expect(JSON.stringify(problems)).not.toContain('Injected');
});

test('MCP_SESSION_VALUE with a line break is refused at load, naming the variables', async () => {
  const s = configSandbox();
  const env = { XDG_CONFIG_HOME: s.xdg, MCP_UPSTREAM_URL: 'https://gw.example/mcp', MCP_API_KEY: 'k', MCP_API_SECRET: 'x', MCP_SESSION_HEADER: 'X-Session', MCP_SESSION_VALUE: 'abc\nX-Evil: 1' };
  expect(await problemsOf(loadConfig({ cwd: s.project, env }))).toEqual([
    { source: 'environment MCP_SESSION_HEADER/MCP_SESSION_VALUE', path: 'servers.default.headers.X-Session', message: LINE_BREAK },
  ]);
});
