// login for the sigv4 and httpsig schemes through the built CLI, no keychain
// (the 0600 file store): access keys (and a session token) for users without
// the AWS CLI, a profile instead of keys, an httpsig PEM key; each checked
// with a signed initialize against a local verifier before it is stored.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli, runCliWithInput } from '../helpers/cli.js';
import { httpSigVerifier } from '../helpers/httpsig-verifier.js';
import { sigv4Verifier } from '../helpers/sigv4-verifier.js';
import { startVerifiedUpstream, type VerifiedUpstream } from '../helpers/verified-upstream.js';

const AK = 'AKIALOGINTESTKEY0001';
const SK = 'login-secret-access-key-0123456789abcdef';
const TOKEN = 'login-session-token-5f1e';
let home: string;
let env: NodeJS.ProcessEnv;
let upstream: VerifiedUpstream | undefined;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'map-login-sign-'));
  env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_STATE_HOME: join(home, 'state'), DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
});
afterEach(async () => {
  await upstream?.close();
  upstream = undefined;
});
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const configFile = () => join(home, 'config', 'mcp-auth-proxy', 'config.json');
const storeFile = () => join(home, 'config', 'mcp-auth-proxy', 'secrets.insecure.json');

test('sigv4: access key id, secret and session token are checked upstream, then stored; the config holds references only', async () => {
  upstream = await startVerifiedUpstream(sigv4Verifier({ service: 'execute-api', region: 'eu-west-1', keys: new Map([[AK, { secretAccessKey: SK, sessionToken: TOKEN }]]) }));
  const result = await runCliWithInput(['login', 'internal', '--url', upstream.url, '--type', 'sigv4', '--service', 'execute-api', '--region', 'eu-west-1', '--session-token', '--stdin', '--insecure-storage'], `${AK}\n${SK}\n${TOKEN}\n`, { env, cwd: home });
  expect(result.stderr).not.toContain('error:');
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('accepted the signed request');
  expect(upstream.received[0]?.verdict).toEqual({ ok: true });
  expect(readJson(storeFile())).toEqual({ 'internal.aws-access-key-id': AK, 'internal.aws-secret-access-key': SK, 'internal.aws-session-token': TOKEN });
  expect(readJson(configFile()).servers.internal).toEqual({
    url: upstream.url,
    auth: { type: 'sigv4', service: 'execute-api', region: 'eu-west-1', accessKeyId: 'keychain:internal.aws-access-key-id', secretAccessKey: 'keychain:internal.aws-secret-access-key', sessionToken: 'keychain:internal.aws-session-token' },
  });
  expect(result.stdout + result.stderr).not.toContain(SK);
});

test('sigv4: keys the upstream refuses are not stored', async () => {
  upstream = await startVerifiedUpstream(sigv4Verifier({ service: 'execute-api', region: 'eu-west-1', keys: new Map([[AK, { secretAccessKey: SK }]]) }));
  const result = await runCliWithInput(['login', 'internal', '--url', upstream.url, '--type', 'sigv4', '--service', 'execute-api', '--region', 'eu-west-1', '--stdin', '--insecure-storage'], `${AK}\nnot-the-secret\n`, { env, cwd: home });
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('Nothing was stored');
  expect(result.stderr).toContain('signature we calculated does not match');
});

test('sigv4 with --profile: nothing to store, the entry names the profile', async () => {
  const result = await runCli(['login', 'agentcore', '--url', 'https://gw-1.gateway.bedrock-agentcore.us-east-1.amazonaws.com/mcp', '--type', 'sigv4', '--profile', 'work'], { env, cwd: home });
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('needs no stored secret');
  expect(readJson(configFile()).servers.agentcore.auth).toEqual({ type: 'sigv4', profile: 'work' });
});

test('httpsig: a PEM private key on stdin is checked with a signed request, then stored', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  upstream = await startVerifiedUpstream(httpSigVerifier({ keyId: 'laptop-1', alg: 'ed25519', key: publicKey, required: ['@method', '@target-uri'], requiredParams: ['created', 'keyid'] }));
  const result = await runCliWithInput(['login', 'partner', '--url', upstream.url, '--type', 'httpsig', '--key-id', 'laptop-1', '--stdin', '--insecure-storage'], pem, { env, cwd: home });
  expect(result.stderr).not.toContain('error:');
  expect(result.code).toBe(0);
  expect(upstream.received[0]?.verdict).toEqual({ ok: true });
  expect(readJson(storeFile())).toEqual({ partner: pem.trim() });
  expect(readJson(configFile()).servers.partner.auth).toEqual({ type: 'httpsig', keyId: 'laptop-1', alg: 'ed25519', key: 'keychain:partner' });
});
