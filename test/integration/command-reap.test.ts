// A daemon killed with SIGKILL cannot stop its command servers' processes;
// the next daemon to start ends them (the whole group: the grandchild too)
// from the records in the state directory, before it listens, within 5 s.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, spawnCli, waitForOutput } from '../helpers/cli.js';
import { running } from '../helpers/processes.js';

const STUBBORN = fileURLToPath(new URL('../fixtures/stdio-servers/stubborn.sh', import.meta.url));

test('processes left by a SIGKILLed daemon are ended by the next one before it listens', async () => {
  const home = mkdtempSync(join(tmpdir(), 'map-reap-'));
  mkdirSync(join(home, 'config', 'mcp-auth-proxy'), { recursive: true });
  writeFileSync(join(home, 'config', 'mcp-auth-proxy', 'config.json'), JSON.stringify({ servers: { stubborn: { command: '/bin/sh', args: [STUBBORN], prewarm: true } } }));
  const env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state') });

  const first = spawnCli(['start', '--listen', '127.0.0.1:0'], { env, cwd: home });
  const [, shell, grandchild] = (await waitForOutput(first, /pids (\d+) (\d+)/, 'stderr')).map(Number);
  const killed = new Promise((resolve) => first.once('exit', resolve));
  first.kill('SIGKILL');
  await killed;
  // Orphans now: nothing stopped them.
  expect([running(shell as number), running(grandchild as number)]).toEqual([true, true]);

  const started = performance.now();
  const second = spawnCli(['start', '--listen', '127.0.0.1:0'], { env, cwd: home });
  const stopped = new Promise((resolve) => second.once('exit', (code, signal) => resolve(code ?? signal)));
  try {
    await waitForOutput(second, /listening on http/);
    expect([running(shell as number), running(grandchild as number)]).toEqual([false, false]);
    // No orphan is left within 5 s of the new start.
    expect(performance.now() - started).toBeLessThan(5000);
    expect(second.out.stderr).toContain('ended command server processes left by a daemon that did not stop cleanly');
    // Its own prewarmed process: a daemon that stops cleanly ends it, group and all, before it exits.
    const [, ownShell, ownGrandchild] = (await waitForOutput(second, /pids (\d+) (\d+)/, 'stderr')).map(Number);
    second.kill('SIGINT');
    const how = await stopped;
    expect(how).toBe(0);
    expect([running(ownShell as number), running(ownGrandchild as number)]).toEqual([false, false]);
  } finally {
    if (second.exitCode === null) second.kill('SIGKILL');
  }
});
