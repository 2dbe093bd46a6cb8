// Ready to publish: `npm pack` holds what the package needs and no source
// maps, and a global install of the tarball into a throwaway prefix runs with
// no npm warning: `--version` and `demo --once` from the installed binary.
// (Real npm, real registry for the dependencies; .ci/run runs the same script
// with the prepack build.)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../scripts/pack-install-check.sh', import.meta.url));

test('npm pack, npm install -g --prefix <tmp> <tgz>, then the installed demo --once', async () => {
  const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
    // dist/ was built by `npm test`'s pretest: packing skips prepack so it is not rebuilt under running tests.
    const child = spawn('bash', [SCRIPT, '--no-build'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('close', (code) => resolve({ code, out }));
  });
  expect(result.out).not.toMatch(/npm warned|packed files wrong/);
  expect(result.out).toContain('✓ tools/call whoami');
  expect(result.out).toMatch(/installed from mcp-auth-proxy-\d+\.\d+\.\d+\.tgz: --version \d+\.\d+\.\d+, demo --once passed/);
  expect(result.code).toBe(0);
}, 240_000);
