// doctor and status understand OAuth: not signed in is a failed check naming
// the login command; signed in shows the token's expiry, and an expired
// token is refreshed by doctor's own authorized request, which then passes.
import { cleanEnv, runCli } from '../helpers/cli.js';
import { startOAuthBed, storedTokens, type OAuthBed } from '../helpers/oauth-proxy.js';

let bed: OAuthBed;
afterEach(async () => {
  await bed.close();
});

interface Check {
  name: string;
  status: string;
  detail: string;
  hint?: string;
}

const doctor = async () => {
  const result = await runCli(['doctor', '--json', '--listen', '127.0.0.1:0'], { env: cleanEnv(bed.env), cwd: bed.home });
  return { result, checks: (JSON.parse(result.stdout) as { checks: Check[] }).checks };
};

test('not signed in: the login check fails with the command to run, exit 1', async () => {
  bed = await startOAuthBed();
  const { result } = await bed.login();
  expect(result.code).toBe(0);
  await runCli(['logout', 'linear'], { env: cleanEnv(bed.env), cwd: bed.home });
  const { result: run, checks } = await doctor();
  expect(run.code).toBe(1);
  const login = checks.find((c) => c.name === 'linear: login');
  expect(login).toMatchObject({ status: 'fail', hint: 'Run `mcp-auth-proxy login linear`.' });
  expect(login?.detail).toContain('not signed in to "linear"');
});

test('signed in with an expired token: doctor reports it and its authorized request passes after a refresh', async () => {
  // Issued already expired (so the login check is skipped); the refreshed one lives an hour.
  bed = await startOAuthBed({ accessTokenTtlSeconds: 0 });
  expect((await bed.login(['--no-verify'])).result.code).toBe(0);
  bed.as.setAccessTokenTtl(3600);
  const before = await storedTokens(bed.file);
  const { result, checks } = await doctor();
  const login = checks.find((c) => c.name === 'linear: login');
  expect(login?.status).toBe('pass');
  expect(login?.detail).toMatch(/signed in; access token expired at \d{4}-.*refreshed on next use/);
  expect(checks.find((c) => c.name === 'linear: signed request')).toMatchObject({ status: 'pass' });
  expect(bed.as.counts.refreshGrants).toBe(1);
  expect((await storedTokens(bed.file)).refreshToken).not.toBe(before.refreshToken);
  expect(result.stdout + result.stderr).not.toContain(before.accessToken);
});

test('status shows an OAuth server signed in with its token expiry; no token in its output', async () => {
  bed = await startOAuthBed();
  expect((await bed.login()).result.code).toBe(0);
  const env = cleanEnv({ ...bed.env, MCP_LISTEN_ADDR: '127.0.0.1:0' });
  const started = await runCli(['start', '--detach'], { env, cwd: bed.home });
  try {
    expect(started.code).toBe(0);
    const status = await runCli(['status'], { env, cwd: bed.home });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('auth oauth, credential present');
    expect(status.stdout).toMatch(/oauth: signed in, access token valid until \d{4}-.*, not refreshed yet/);
    const json = JSON.parse((await runCli(['status', '--json'], { env, cwd: bed.home })).stdout);
    expect(json.servers.linear.oauth).toMatchObject({ loggedIn: true, state: 'ok' });
    const tokens = await storedTokens(bed.file);
    expect(status.stdout + JSON.stringify(json)).not.toContain(tokens.accessToken);
  } finally {
    await runCli(['stop'], { env, cwd: bed.home });
  }
});
