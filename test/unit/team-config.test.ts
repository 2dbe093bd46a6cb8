// Team mode's config: each mistake an operator can make is refused at load,
// naming the file, the field and the fix; local mode refuses team-only
// settings instead of ignoring them.
import { loadConfig } from '../../src/config/load.js';
import { ConfigError, type ConfigProblem } from '../../src/errors.js';
import { configSandbox, writeJson } from '../helpers/config-sandbox.js';

async function problemsOf(config: Record<string, unknown>): Promise<Array<Pick<ConfigProblem, 'path' | 'message'>>> {
  const s = configSandbox();
  writeJson(s.userFile, config);
  try {
    await loadConfig({ cwd: s.project, env: { XDG_CONFIG_HOME: s.xdg } });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) expect(problem.source).toBe(s.userFile);
    return error.problems.map(({ path, message }) => ({ path, message }));
  }
  throw new Error('expected a ConfigError');
}

const glean = (user = '$caller') => ({ glean: { url: 'https://glean.acme.example/mcp', auth: { type: 'act-as', token: 'env:GLEAN', user } } });
const team = (extra: Record<string, unknown>) => ({ mode: 'team', identity: [{ type: 'apiKey' }], servers: glean(), ...extra });

test.each<[string, Record<string, unknown>, string, RegExp]>([
  ['no identity method', { mode: 'team', servers: glean() }, 'identity', /at least one identity method/],
  ['an identity method without a type', team({ identity: [{ issuer: 'https://login.acme.example' }] }), 'identity.0.type', /is required: one of "apiKey", "jwt", "proxyAssertion", "trustedHeader"/],
  ['an empty identity list', team({ identity: [] }), 'identity', /at least one identity method/],
  ['a remote listener with neither tls nor trustedProxies', team({ listen: '0.0.0.0:8787', publicUrl: 'https://mcp.acme.example' }), 'listen', /needs "tls".*or "trustedProxies"/],
  ['a remote listener without publicUrl', team({ listen: '0.0.0.0:8787', trustedProxies: ['10.0.0.0/8'] }), 'publicUrl', /URL agents reach it at/],
  ['a trustedHeader without trustedProxies', team({ identity: [{ type: 'trustedHeader' }] }), 'trustedProxies', /believed only from trustedProxies/],
  ['an unknown identity type', team({ identity: [{ type: 'password' }] }), 'identity.0.type', /type must be one of: "apiKey", "jwt", "proxyAssertion", "trustedHeader"/],
  ['a JWKS URL that is not a URL', team({ identity: [{ type: 'jwt', issuer: 'https://login.acme.example', jwksUri: 'login keys' }] }), 'identity.0.jwksUri', /https:\/\/ URL/],
  ['a jwt issuer over plain http', team({ identity: [{ type: 'jwt', issuer: 'http://login.acme.example' }] }), 'identity.0.issuer', /https:\/\/ URL/],
  ['an HS256 algorithm', team({ identity: [{ type: 'jwt', issuer: 'https://login.acme.example', algorithms: ['HS256'] }] }), 'identity.0.algorithms.0', /RS256/],
  ['a proxy assertion naming neither provider nor header', team({ identity: [{ type: 'proxyAssertion', jwksUri: 'https://acme.cloudflareaccess.com/cdn-cgi/access/certs', audience: 'x' }] }), 'identity.0.provider', /"cloudflare", "iap" or "pomerium"/],
  ['a clock tolerance over 5 minutes', team({ identity: [{ type: 'jwt', issuer: 'https://login.acme.example', clockTolerance: '1h' }] }), 'identity.0.clockTolerance', /up to 5 minutes/],
  ['a tls key written in the file', team({ tls: { cert: '/etc/tls.crt', key: '-----BEGIN PRIVATE KEY-----' } }), 'tls.key', /the private key is a secret/],
  ['a trusted proxy that is not an address', team({ trustedProxies: ['lb.acme.example'] }), 'trustedProxies.0', /IP address or a CIDR block/],
  ['a CIDR prefix out of range', team({ trustedProxies: ['10.0.0.0/33'] }), 'trustedProxies.0', /IP address or a CIDR block/],
  ['allowDomains that are not domains', team({ servers: { glean: { url: 'https://g.example/mcp', auth: { type: 'act-as', token: 'env:G', user: '$caller', allowDomains: ['@acme'] } } } }), 'servers.glean.auth.allowDomains.0', /a domain such as "acme.com"/],
])('team mode refuses %s', async (_label, config, path, message) => {
  const problems = await problemsOf(config);
  expect(problems).toContainEqual({ path, message: expect.stringMatching(message) });
});

test('local mode refuses team-only settings and "$caller" (there is no verified caller to act as)', async () => {
  const problems = await problemsOf({
    identity: [{ type: 'apiKey' }],
    publicUrl: 'https://mcp.acme.example',
    trustedProxies: ['10.0.0.0/8'],
    servers: {
      ...glean('$caller'),
      signed: { url: 'https://gw.acme.example/mcp', auth: { type: 'httpsig', keyId: 'k', alg: 'hmac-sha256', key: 'env:K', actAs: { user: '$caller' } } },
    },
  });
  for (const field of ['identity', 'publicUrl', 'trustedProxies']) expect(problems).toContainEqual({ path: field, message: expect.stringContaining('applies in team mode only') });
  expect(problems).toContainEqual({ path: 'servers.glean.auth.user', message: expect.stringContaining('"$caller" needs team mode') });
  expect(problems).toContainEqual({ path: 'servers.signed.auth.actAs.user', message: expect.stringContaining('"$caller" needs team mode') });
});

test('local mode still needs --allow-remote for a non-loopback address; team mode does not', async () => {
  expect(await problemsOf({ listen: '0.0.0.0:8787', servers: glean('me@acme.example') })).toContainEqual({ path: 'listen', message: expect.stringContaining('--allow-remote') });
  const s = configSandbox();
  writeJson(s.userFile, team({ listen: '0.0.0.0:8787', publicUrl: 'https://mcp.acme.example', trustedProxies: ['10.0.0.0/8'] }));
  const { config } = await loadConfig({ cwd: s.project, env: { XDG_CONFIG_HOME: s.xdg } });
  expect(config.mode).toBe('team');
});
