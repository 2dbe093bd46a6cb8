// The loopback redirect is checked before any code goes to the token
// endpoint: a response with another `state` (forged, stray or crossed) is
// ignored and cannot end the login; an `iss` that is not the recorded issuer
// (a mix-up attack, RFC 9207) fails it; neither exchanges or stores anything.
import { cleanEnv, finished, spawnCli, waitForOutput } from '../helpers/cli.js';
import { startOAuthBed, type OAuthBed } from '../helpers/oauth-proxy.js';

let bed: OAuthBed;
beforeEach(async () => {
  bed = await startOAuthBed();
});
afterEach(async () => {
  await bed.close();
});

test('a redirect with another state is answered 400 and ignored; the genuine one then completes the login', async () => {
  const child = spawnCli(['login', 'linear', '--url', bed.as.mcpUrl, '--type', 'oauth', '--insecure-storage', '--no-browser'], { env: cleanEnv(bed.env), cwd: bed.home });
  const done = finished(child);
  const [, printed] = await waitForOutput(child, /^\s+(https?:\/\/\S+)$/m, 'stderr');
  const genuine = new URL((await fetch(printed as string, { redirect: 'manual' })).headers.get('location') as string);
  const forged = new URL(genuine);
  forged.searchParams.set('state', 'forged-state');
  forged.searchParams.set('code', 'attacker-code');
  const refused = await fetch(forged);
  expect(refused.status).toBe(400);
  expect(await refused.text()).toContain('does not belong to the sign-in in progress');
  const landed = await fetch(genuine);
  expect(landed.status).toBe(200);
  const result = await done;
  expect(result.code).toBe(0);
  const grants = bed.as.tokenRequests.filter((r) => r.grant_type === 'authorization_code');
  expect(grants.map((r) => r.code)).toEqual([genuine.searchParams.get('code')]);
});

test('a redirect whose iss is not the recorded issuer fails the login and no code is exchanged', async () => {
  const { result, page } = await bed.login([], (redirect) => redirect.searchParams.set('iss', 'https://other-issuer.example'));
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('rejected the sign-in redirect');
  expect(page.status).toBe(400);
  expect(page.text).toContain('Sign-in failed');
  expect(bed.as.counts.authorizationCodeGrants).toBe(0);
  expect(bed.as.tokenRequests).toHaveLength(0);
  expect(await bed.file.get('oauth-tokens:linear')).toBeUndefined();
});

test('an error redirect (the user denied access) fails with the server\'s reason', async () => {
  const { result, page } = await bed.login([], (redirect) => {
    redirect.searchParams.delete('code');
    redirect.searchParams.set('error', 'access_denied');
    redirect.searchParams.set('error_description', 'the user said no');
  });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('refused the sign-in: access_denied: the user said no');
  expect(page.text).toContain('access_denied');
  expect(bed.as.tokenRequests).toHaveLength(0);
});
