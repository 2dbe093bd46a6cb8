// What `import` finds in an agent's entries and what it makes of them, for
// the shapes agents write: headers (bearer or API key), tokens in a URL's
// path, query and password, ${VAR} expansions (kept as env: references),
// tokens in arguments, opencode's one-list command, Codex's TOML and Goose's
// YAML (rewritten with their comments, and restored byte for byte).
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entriesOf, readAgentFile } from '../../src/import/agent-file.js';
import { planImport } from '../../src/import/plan.js';
import { rewriteAgentFile } from '../../src/import/rewrite.js';

const BASE = 'http://127.0.0.1:8787';

async function plan(client: string, name: string, text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'map-import-plan-'));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, text);
  const file = await readAgentFile(client, path);
  return { file, plans: planImport(file, entriesOf(file), { proxyBase: BASE }) };
}

test('HTTP entries: a bearer header, an API key header, a token in the path, the query or the URL\'s password', async () => {
  const { plans } = await plan(
    'cursor',
    'mcp.json',
    JSON.stringify({
      mcpServers: {
        bearer: { url: 'https://a.example/mcp', headers: { Authorization: 'Bearer abc.def.ghi-0123456789', 'X-Team': 'core' } },
        keyed: { url: 'https://b.example/mcp', headers: { 'X-Api-Key': 'k-123456' } },
        pathed: { url: 'https://c.example/s/NjQ5ZTRhZmUtOTE2ZS00ZDA0LWE1ODU/mcp' },
        queried: { url: 'https://d.example/mcp?profile=p&api_key=secret%2Bvalue' },
        basic: { url: 'https://me:pa%40ss@e.example/mcp' },
        expanded: { url: 'https://f.example/mcp', headers: { 'X-Api-Key': '${F_KEY}' } },
      },
    }),
  );
  const by = Object.fromEntries(plans.map((p) => [p.entry.key, p]));
  expect(by.bearer?.server).toEqual({ url: 'https://a.example/mcp', headers: { 'X-Team': 'core' }, auth: { type: 'bearer', token: 'keychain:bearer.authorization' } });
  expect(by.bearer?.secrets).toEqual([{ account: 'bearer.authorization', value: 'abc.def.ghi-0123456789', where: 'header Authorization' }]);
  expect(by.keyed?.server).toEqual({ url: 'https://b.example/mcp', auth: { type: 'headers', headers: { 'X-Api-Key': 'keychain:keyed.x-api-key' } } });
  expect(by.pathed?.server).toMatchObject({ url: 'https://c.example/s/${keychain:pathed.url-path-2}/mcp', auth: { type: 'none' } });
  expect(by.queried?.server).toMatchObject({ url: 'https://d.example/mcp?profile=p&api_key=${keychain:queried.url-api-key}' });
  expect(by.queried?.secrets[0]?.value).toBe('secret+value');
  expect(by.basic?.server).toMatchObject({ url: 'https://e.example/mcp', auth: { type: 'headers', headers: { Authorization: 'keychain:basic.authorization' } } });
  expect(by.basic?.secrets[0]?.value).toBe(`Basic ${Buffer.from('me:pa@ss').toString('base64')}`);
  expect(by.expanded?.skip).toBe('no secret in it');
});

test('stdio entries: env tokens, ${VAR} kept as env: references, tokens in arguments; opencode\'s one-list command', async () => {
  const { plans } = await plan(
    'opencode',
    'opencode.json',
    JSON.stringify({
      mcp: {
        gh: { type: 'local', command: ['npx', '-y', 'server-github', '--token', 'ghp_0123456789abcdefghij0123456789ab', '--api-key=plainkey123456', 'postgres://u:pw0rd1234@db/x'], environment: { GH_HOST: 'github.com', SLACK_BOT_TOKEN: 'xoxb-1234567890-abcdefghij', FROM_ENV: '${HOME_TOKEN}' } },
      },
    }),
  );
  const gh = plans[0];
  expect(gh?.server).toEqual({
    command: 'npx',
    args: ['-y', 'server-github', '--token', '${TOKEN}', '--api-key=${API_KEY}', 'postgres://u:${URL_PASSWORD}@db/x'],
    env: { GH_HOST: 'github.com', SLACK_BOT_TOKEN: 'keychain:gh.slack-bot-token', FROM_ENV: 'env:HOME_TOKEN', TOKEN: 'keychain:gh.token', API_KEY: 'keychain:gh.api-key', URL_PASSWORD: 'keychain:gh.url-password' },
  });
  expect(gh?.secrets.map((s) => s.value)).toEqual(['xoxb-1234567890-abcdefghij', 'ghp_0123456789abcdefghij0123456789ab', 'plainkey123456', 'pw0rd1234']);
  expect(gh?.notes).toEqual(['env FROM_ENV is read from $HOME_TOKEN where the proxy runs']);
  expect(gh?.shown).toBe('npx -y server-github --token **** --api-key=**** postgres://u:****@db/x');
});

test('Codex (TOML) and Goose (YAML): the entries are rewritten in place, comments kept', async () => {
  const codex = await plan('codex', 'config.toml', ['# Codex', 'model = "gpt-5-codex"  # default', '', '[mcp_servers.gh]', 'command = "npx"', 'args = ["-y", "server-github"]', '', '[mcp_servers.gh.env]', 'GITHUB_TOKEN = "ghp_0123456789abcdefghij0123456789ab"', '', '# after', '[profiles.fast]', 'model = "gpt-5-mini"', ''].join('\n'));
  const codexText = rewriteAgentFile(codex.file, codex.plans.filter((p) => p.server), { proxyBase: BASE });
  expect(codexText).toBe(['# Codex', 'model = "gpt-5-codex"  # default', '', '[mcp_servers.gh]', `url = "${BASE}/gh/mcp"`, '', '', '# after', '[profiles.fast]', 'model = "gpt-5-mini"', ''].join('\n'));
  const goose = await plan('goose', 'config.yaml', ['# Goose', 'GOOSE_MODEL: claude-sonnet-4', 'extensions:', '  # github tools', '  gh:', '    cmd: npx', '    args: [-y, server-github]', '    envs:', '      GITHUB_TOKEN: ghp_0123456789abcdefghij0123456789ab', '    type: stdio', '  memory:', '    type: builtin', '    enabled: false   # off', ''].join('\n'));
  const gooseText = rewriteAgentFile(goose.file, goose.plans.filter((p) => p.server), { proxyBase: BASE });
  expect(gooseText).toContain('  # github tools\n  gh:\n');
  expect(gooseText).toContain(`uri: ${BASE}/gh/mcp`);
  expect(gooseText).toContain('    enabled: false   # off');
  expect(gooseText).not.toContain('ghp_');
  expect(readFileSync(goose.file.path, 'utf8')).toContain('ghp_');
});

test('the agent\'s own settings of an entry (disabled, autoApprove, timeout) stay; only how it is reached changes', async () => {
  const { file, plans } = await plan(
    'cursor',
    'mcp.json',
    JSON.stringify({ mcpServers: { gh: { command: 'npx', args: ['-y', 'server-github'], env: { GITHUB_TOKEN: 'ghp_0123456789abcdefghij0123456789ab' }, disabled: true, autoApprove: ['search'], timeout: 60 } } }, null, 2),
  );
  const text = rewriteAgentFile(file, plans.filter((p) => p.server), { proxyBase: BASE });
  expect(JSON.parse(text).mcpServers.gh).toEqual({ type: 'http', url: `${BASE}/gh/mcp`, disabled: true, autoApprove: ['search'], timeout: 60 });
});
