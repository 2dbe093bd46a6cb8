// `mcp-auth-proxy demo --once`: the embedded signed upstream, the proxy and a
// real SDK client, end to end, with a snippet an agent can use.
import { runCli } from '../helpers/cli.js';

test('demo --once runs the signed flow and prints a usable snippet', async () => {
  const result = await runCli(['demo', '--once']);
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('✓ initialize and tools/list through the proxy: echo, add, whoami, countdown');
  expect(result.stdout).toContain('✓ tools/call countdown streamed T-3, T-2, T-1 → liftoff');
  expect(result.stdout).toMatch(/Gateway verdicts: \d+ signed requests accepted, 0 rejected/);
  const snippet = /\{\n {2}"mcpServers"[\s\S]*?\n\}/.exec(result.stdout);
  expect(snippet).not.toBeNull();
  const parsed = JSON.parse((snippet as RegExpExecArray)[0]);
  expect(parsed.mcpServers.demo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  // The per-run secret is 64 hex characters; it must not be printed anywhere.
  expect(result.stdout + result.stderr).not.toMatch(/[0-9a-f]{64}/);
});
