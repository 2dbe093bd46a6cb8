// doctor for the new schemes and the service: the httpsig signature base of a
// sample request (no secret in it), an expired AWS SSO session named with the
// `aws sso login --profile` to run (the real AWS SDK chain, reading a
// throwaway ~/.aws), and the service with linger explained.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';
import { configSandbox, writeJson } from '../helpers/config-sandbox.js';
import { listen } from '../helpers/net.js';

test('httpsig: doctor shows the signature base of a sample request, and no key material', async () => {
  const upstream = await listen((_req, res) => res.writeHead(401).end());
  try {
    const sandbox = configSandbox('map-doc-');
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    writeJson(sandbox.userFile, { listen: '127.0.0.1:0', servers: { partner: { url: `${upstream.url}/mcp`, auth: { type: 'httpsig', keyId: 'laptop-1', alg: 'ed25519', key: 'env:PARTNER_KEY', tag: 'mcp' } } } });
    const result = await runCli(['doctor'], { env: cleanEnv(sandbox.env({ PARTNER_KEY: pem })), cwd: sandbox.project });
    expect(result.stdout).toContain('✓ partner: signature base: of a sample initialize POST (ed25519, keyid "laptop-1"):');
    expect(result.stdout).toContain('"@method": POST');
    expect(result.stdout).toContain(`"@target-uri": ${upstream.url}/mcp`);
    expect(result.stdout).toMatch(/"content-digest": sha-256=:[A-Za-z0-9+/=]+:/);
    expect(result.stdout).toMatch(/"@signature-params": \("@method" "@target-uri" "content-digest"\);created=\d+;keyid="laptop-1";tag="mcp"/);
    expect(result.stdout).not.toContain(pem.split('\n')[1]);
  } finally {
    await upstream.close();
  }
});

test('sigv4 with an expired SSO session: doctor fails the AWS credentials check and names `aws sso login --profile work`', async () => {
  const sandbox = configSandbox('map-doc-');
  const home = join(sandbox.root, 'home');
  mkdirSync(join(home, '.aws', 'sso', 'cache'), { recursive: true });
  writeFileSync(join(home, '.aws', 'config'), '[profile work]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Dev\nregion = us-east-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n');
  // The cached SSO token expired long ago and holds nothing to refresh it with.
  writeFileSync(join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update('corp').digest('hex')}.json`), JSON.stringify({ accessToken: 'x', expiresAt: '2020-01-01T00:00:00Z', region: 'us-east-1', startUrl: 'https://corp.awsapps.com/start' }));
  writeJson(sandbox.userFile, { listen: '127.0.0.1:0', servers: { agentcore: { url: 'https://gw-1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp', auth: { type: 'sigv4', profile: 'work' } } } });
  // No instance metadata service is ever asked (it is not on this machine, and not a place tests may reach).
  const result = await runCli(['doctor', '--json'], { env: cleanEnv(sandbox.env({ HOME: home, AWS_EC2_METADATA_DISABLED: 'true' })), cwd: sandbox.project });
  expect(result.code).toBe(1);
  const checks = (JSON.parse(result.stdout) as { checks: Array<{ name: string; status: string; detail: string; hint?: string }> }).checks;
  const aws = checks.find((c) => c.name === 'agentcore: AWS credentials');
  expect(aws).toMatchObject({ status: 'fail', detail: expect.stringContaining('SSO session of profile "work" has expired') });
  expect(aws?.hint).toContain('aws sso login --profile work');
  // No signed request is tried without credentials.
  expect(checks.some((c) => c.name === 'agentcore: signed request')).toBe(false);
});

test('service installed on Linux with linger off: doctor reports it and explains loginctl enable-linger', async () => {
  const sandbox = configSandbox('map-doc-');
  const bin = join(sandbox.root, 'bin');
  mkdirSync(bin);
  // No systemd user manager runs here: stand-ins answer as systemctl and loginctl would.
  writeFileSync(join(bin, 'systemctl'), '#!/bin/sh\ncase "$2" in is-enabled) echo enabled ;; is-active) echo active ;; esac\n');
  writeFileSync(join(bin, 'loginctl'), '#!/bin/sh\necho no\n');
  chmodSync(join(bin, 'systemctl'), 0o755);
  chmodSync(join(bin, 'loginctl'), 0o755);
  mkdirSync(join(sandbox.xdg, 'systemd', 'user'), { recursive: true });
  writeFileSync(join(sandbox.xdg, 'systemd', 'user', 'mcp-auth-proxy.service'), '[Service]\nExecStart=/bin/true\n');
  writeJson(sandbox.userFile, { listen: '127.0.0.1:0', servers: {} });
  const result = await runCli(['doctor', '--json'], { env: cleanEnv(sandbox.env({ USER: 'ann', PATH: `${bin}:${process.env.PATH}` })), cwd: sandbox.project });
  const checks = (JSON.parse(result.stdout) as { checks: Array<{ name: string; status: string; detail: string; hint?: string }> }).checks;
  expect(checks.find((c) => c.name === 'service')).toMatchObject({ status: 'pass', detail: 'systemd: mcp-auth-proxy.service enabled; service active' });
  expect(checks.find((c) => c.name === 'service: linger')).toMatchObject({ status: 'warn', hint: expect.stringContaining('loginctl enable-linger ann') });
});
