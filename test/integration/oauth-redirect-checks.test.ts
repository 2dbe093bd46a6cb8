// The loopback redirect is checked before any code goes to the token
// endpoint: a wrong `state` (a forged or crossed response) or an `iss` that
// is not the recorded issuer (a mix-up attack, RFC 9207) fails the login,
// tells the browser so, and exchanges and stores nothing.
import { existsSync } from 'node:fs';
import { startOAuthBed, type OAuthBed } from '../helpers/oauth-proxy.js';

let bed: OAuthBed;
beforeEach(async () => {
  bed = await startOAuthBed();
});
afterEach(async () => {
  await bed.close();
});

test.each([
  ['state', (redirect: URL) => redirect.searchParams.set('state', 'forged-state')],
  ['iss', (redirect: URL) => redirect.searchParams.set('iss', 'https://other-issuer.example')],
])('a redirect with the wrong %s is rejected and no code is exchanged', async (_field, tamper) => {
  const { result, page } = await bed.login([], tamper);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('rejected the sign-in redirect');
  expect(page.status).toBe(400);
  expect(page.text).toContain('Sign-in failed');
  expect(bed.as.counts.authorizationCodeGrants).toBe(0);
  expect(bed.as.tokenRequests).toHaveLength(0);
  expect(existsSync(bed.file.path) && (await bed.file.get('oauth-tokens:linear'))).toBeFalsy();
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
