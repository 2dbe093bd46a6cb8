// Usage errors never repeat a value typed with an unknown option: people
// paste secrets into the wrong flag, and terminals and CI logs keep the line.
import { cleanEnv, runCli } from '../helpers/cli.js';

const SECRET = 'pasted-secret-7e6d5c';

test.each([
  [['login', 'gw', `--secret=${SECRET}`], "error: unknown option '--secret=…' (value not shown)"],
  [[`--token=${SECRET}`, 'start'], "error: unknown option '--token=…' (value not shown)"],
  [['start', `-S${SECRET}`], "error: unknown option '-S…' (value not shown)"],
  [['status', `--json=${SECRET}`], "error: unknown option '--json=…' (value not shown)"],
])('%j: exit 2, the option named, its value not shown', async (args, expected) => {
  const result = await runCli(args, { env: cleanEnv() });
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(expected);
  expect(result.stdout + result.stderr).not.toContain(SECRET);
});

test('an unknown option without a value is still named, with the suggestion', async () => {
  const result = await runCli(['start', '--detatch'], { env: cleanEnv() });
  expect(result.code).toBe(2);
  expect(result.stderr).toBe("error: unknown option '--detatch'\n(Did you mean --detach?)\n");
});
