// Every command has --help with an example; --version prints the package
// version; bad usage exits 2.
import { readFileSync } from 'node:fs';
import { runCli } from '../helpers/cli.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

test.each([[[]], [['start']], [['demo']]])('%p --help shows an example and exits 0', async (command) => {
  const result = await runCli([...command, '--help']);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/Examples:\n {2}\$ mcp-auth-proxy /);
});

test('--version prints the package version', async () => {
  const result = await runCli(['--version']);
  expect(result.code).toBe(0);
  expect(result.stdout.trim()).toBe(version);
});

test('an unknown command or option exits 2 with a message on stderr', async () => {
  const unknown = await runCli(['strat']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain("unknown command 'strat'");
  expect(unknown.stderr).toContain('start');
  const badOption = await runCli(['start', '--nope']);
  expect(badOption.code).toBe(2);
  expect(badOption.stderr).toContain("unknown option '--nope'");
});

test('help piped into a reader that leaves early (`| head -1`) ends quietly with 0, no stack trace', async () => {
  const { spawn } = await import('node:child_process');
  const bin = new URL('../../bin/mcp-auth-proxy.js', import.meta.url).pathname;
  // The reader is gone before the help is written (as when `head` has already exited): the write meets EPIPE.
  const child = spawn(process.execPath, [bin, 'config', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  expect(stderr).toBe('');
  expect(code).toBe(0);
});
