// A locked keychain (and no way to prompt, as on a headless box): login says
// it is locked and how to unlock it, exits 1, and writes nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from '../helpers/cli.js';

const script = fileURLToPath(new URL('./with-locked-keyring.sh', import.meta.url));

test('login against a locked keychain exits 1 with the unlock hint and writes no config', () => {
  const home = mkdtempSync(join(tmpdir(), 'map-locked-'));
  const result = spawnSync(
    'dbus-run-session',
    ['--', 'bash', script, process.execPath, BIN, 'login', 'gw', '--url', 'https://gw.example/mcp', '--key-id', 'k', '--stdin', '--no-verify'],
    { input: 'locked-case-secret-1a2b', encoding: 'utf8', env: { PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, 'config') }, timeout: 60_000 },
  );
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('error: The OS keychain is locked');
  expect(result.stderr).toContain('hint: Unlock your login keychain');
  expect(existsSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'))).toBe(false);
  expect(result.stdout + result.stderr).not.toContain('locked-case-secret-1a2b');
});
