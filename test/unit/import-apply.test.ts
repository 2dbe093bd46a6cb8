// `import --write` changes nothing it cannot finish: when the servers cannot
// be added to the user config, the agent's file keeps its bytes and neither
// the sealed backup nor its key is left behind. (Real files and the 0600
// file store; the user config's directory is made impossible to create.)
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyImport } from '../../src/import/apply.js';
import { entriesOf, readAgentFile } from '../../src/import/agent-file.js';
import { planImport } from '../../src/import/plan.js';
import { openStores } from '../../src/secrets/stores.js';

const TOKEN = 'ghp_applyTestToken0123456789abcdefABCD';

test('a user config that cannot be written: the agent file is untouched, no backup and no backup key are left', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'map-import-apply-'));
  const agentDir = join(dir, '.cursor');
  mkdirSync(agentDir);
  const agentPath = join(agentDir, 'mcp.json');
  const original = JSON.stringify({ mcpServers: { gh: { command: 'npx', args: ['-y', 'server-github'], env: { GITHUB_TOKEN: TOKEN } } } }, null, 2);
  writeFileSync(agentPath, original);
  // XDG_CONFIG_HOME is a regular file: the config directory under it cannot be made.
  writeFileSync(join(dir, 'not-a-dir'), '');
  const env = { HOME: dir, XDG_CONFIG_HOME: join(dir, 'not-a-dir'), XDG_STATE_HOME: join(dir, 'state') };
  const stores = openStores({ HOME: dir, XDG_CONFIG_HOME: join(dir, 'config') });
  const file = await readAgentFile('cursor', agentPath);
  const imported = planImport(file, entriesOf(file), { proxyBase: 'http://127.0.0.1:8787' }).filter((p) => p.server);
  expect(imported.map((p) => p.name)).toEqual(['gh']);

  await expect(applyImport(file, imported, { env, stores, insecureStorage: true, force: false, proxyBase: 'http://127.0.0.1:8787' })).rejects.toThrow();
  expect(readFileSync(agentPath, 'utf8')).toBe(original);
  expect(readdirSync(agentDir)).toEqual(['mcp.json']);
  const stored = JSON.parse(readFileSync(stores.file.path, 'utf8')) as Record<string, unknown>;
  // The token stays stored (a later --write finds it); only the backup's key is gone with the backup.
  expect(Object.keys(stored)).toEqual(['gh.github-token']);
});
