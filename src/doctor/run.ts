// The doctor's checks in order, each reported as soon as it finishes:
// runtime, config layers, keychain, then per server secret, DNS, TCP, TLS,
// clock skew and one signed MCP request; then the listen port, the daemon,
// and environment settings that change how connections are made.
import net from 'node:net';
import { parseListenAddress } from '../config/listen-address.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { daemonRequest, readOurDaemon } from '../daemon/identity.js';
import { stateFile, type DaemonState } from '../daemon/state.js';
import { AppError, ConfigError, SecretError } from '../errors.js';
import { isCommandServer, type HttpServerConfig } from '../config/schema.js';
import { serverCredentialReferences, usesKeychain } from '../config/credential-refs.js';
import { commandChecks } from './command-checks.js';
import { resolveServerUrl } from '../proxy/upstreams.js';
import { urlReferences } from '../secrets/url-references.js';
import { tokensAccount } from '../oauth/credentials.js';
import type { SecretResolver } from '../secrets/resolve.js';
import type { Signer } from '../auth/scheme.js';
import type { Redactor } from '../observability/redact.js';
import { openResolver, openStores } from '../secrets/stores.js';
import { isSecretReference } from '../secrets/reference.js';
import { createSigner } from '../auth/index.js';
import { fail, pass, warn, type CheckResult } from './check.js';
import { localCallersCheck } from './local-callers.js';
import { dnsCheck, skewCheck, tcpCheck, tlsCheck, upstreamDate } from './network.js';
import { verifyServer } from './signed-request.js';
import { actsAsCaller } from '../config/team-values.js';
import { schemeChecks } from './scheme-checks.js';
import { serviceChecks } from './service.js';
import { teamChecks } from './team.js';
import { proxyBase } from '../clients/proxy-url.js';
import { clientTokenFile } from '../daemon/client-token.js';
import { readFile } from 'node:fs/promises';

export interface DoctorOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  redactor: Redactor;
  configFile?: string;
  listen?: string;
  /** Called with each result as soon as it is known. */
  report: (result: CheckResult) => void;
}

export async function runDoctor(options: DoctorOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const add = (result: CheckResult) => {
    results.push(result);
    options.report(result);
  };

  const major = Number(process.versions.node.split('.')[0]);
  add(major >= 20 ? pass('node', `Node ${process.versions.node}`) : fail('node', `Node ${process.versions.node}`, 'mcp-auth-proxy needs Node 20 or newer.'));

  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig({ cwd: options.cwd, env: options.env, ...(options.configFile ? { configFile: options.configFile } : {}), flags: options.listen ? { listen: options.listen } : {} });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const p of error.problems) add(fail('config', `${p.source}: ${p.path || '(root)'}: ${p.message}`, 'Fix the field; `mcp-auth-proxy.config.example.json` shows every field.'));
    return results;
  }
  for (const layer of loaded.layers) {
    if (!layer.found) continue;
    if (layer.trust && layer.trust !== 'trusted') {
      add(warn(`config: ${layer.kind}`, `${layer.file ?? ''} is not used: ${layer.trust === 'changed' ? 'it changed since you trusted it' : 'it is not trusted'}`, 'Review it, then run `mcp-auth-proxy trust` in its directory to use it.'));
    } else add(pass(`config: ${layer.kind}`, layer.file ?? 'set'));
  }
  const { config } = loaded;
  const names = Object.keys(config.servers);
  if (names.length === 0) add(fail('config: servers', 'no servers configured', 'Run `mcp-auth-proxy login NAME --url URL --key-id ID`, or set MCP_UPSTREAM_URL.'));

  const stores = openStores(options.env);
  const needsKeychain = Object.values(config.servers).some((s) => usesKeychain(s));
  try {
    await stores.keychain.get('mcp-auth-proxy-doctor-probe');
    add(pass('keychain', 'the OS keychain answers'));
  } catch (error) {
    const detail = error instanceof SecretError ? error.message : String(error);
    if (!needsKeychain) add(warn('keychain', `${detail} (no server needs it)`));
    else if (await heldByFileStore(config, stores)) {
      add(warn('keychain', `${detail}; the secrets are in the insecure file store (${stores.file.path})`, 'That works; the file is only as safe as your home directory. Where an OS keychain is available, run `mcp-auth-proxy login <server>` again to move each secret there.'));
    } else add(fail('keychain', detail, error instanceof SecretError ? error.hint : undefined));
  }

  const secrets = openResolver(options.env, options.redactor);
  for (const [name, server] of Object.entries(config.servers)) {
    if (isCommandServer(server)) {
      for (const result of await commandChecks(name, server, secrets, options.redactor, options.env)) add(result);
      continue;
    }
    let target = server;
    if (urlReferences(server.url).length > 0) {
      try {
        target = { ...server, url: await resolveServerUrl(name, server, secrets) };
      } catch (error) {
        add(fail(`${name}: secret`, error instanceof Error ? error.message : String(error), error instanceof AppError ? error.hint : `Run \`mcp-auth-proxy login ${name}\`.`));
        continue;
      }
    }
    let signer = await credentialCheck(name, target, secrets, add);
    if (signer) {
      const extra = await schemeChecks(name, target, signer);
      for (const result of extra) add(result);
      if (extra.some((r) => r.status === 'fail')) {
        signer.close?.();
        signer = undefined;
      }
    }
    try {
      await networkChecks(name, target, signer, add);
    } finally {
      signer?.close?.();
    }
  }

  for (const result of await teamChecks(config, options.env, secrets)) add(result);

  const found = await readOurDaemon(stateFile(options.env, config.listen), options.env, (token) => options.redactor.add(token));
  const daemon = found.daemon?.state;
  add(await listenCheck(config.listen, daemon));
  add(await localCallersCheck(config, options.env, daemon, (token) => options.redactor.add(token)));
  if (daemon) {
    const healthy = await daemonRequest(options.env, daemon, '/healthz', { token: false, timeoutMs: 2000 }).then((r) => r.ok, () => false);
    add(healthy ? pass('daemon', `running at ${daemon.url} (pid ${daemon.pid})`) : fail('daemon', `pid ${daemon.pid} does not answer at ${daemon.url}`, 'Restart it: `mcp-auth-proxy stop && mcp-auth-proxy start --detach`.'));
  } else {
    const stale = found.foreign ? ` (its state file named pid ${found.foreign.pid}, which is another program: the file was removed, the program left alone)` : '';
    add(warn('daemon', `not running${stale}`, 'Start it with `mcp-auth-proxy start --detach`.'));
  }

  for (const result of await serviceChecks(options.env)) add(result);

  const { agentConfigChecks } = await import('./agent-configs.js');
  const token = config.clientToken ? await readClientToken(options.env) : undefined;
  for (const result of await agentConfigChecks({ env: options.env, config, proxyBase: proxyBase(config.listen), ...(token ? { token } : {}) })) add(result);

  for (const variable of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']) {
    if (options.env[variable]) add(warn(`env: ${variable}`, `${variable} is set; mcp-auth-proxy connects to upstreams directly, not through it`, 'If upstreams are only reachable through that proxy, that is the problem.'));
  }
  if (options.env.NODE_EXTRA_CA_CERTS) add(pass('env: NODE_EXTRA_CA_CERTS', `extra CA certificates from ${options.env.NODE_EXTRA_CA_CERTS}`));
  return results;
}

/** Resolves the server's credential (for OAuth: the stored login) and reports it; the signer when usable. */
async function credentialCheck(name: string, server: HttpServerConfig, secrets: SecretResolver, add: (result: CheckResult) => void): Promise<Signer | undefined> {
  let signer: Signer | undefined;
  try {
    signer = await createSigner(server.auth, { server: name, url: server.url, secrets });
    for (const value of Object.values(server.headers)) if (isSecretReference(value)) await secrets.resolve(value, `servers.${name}.headers`, name);
    const state = signer.state?.();
    if (state && !state.ready) {
      add(fail(`${name}: login`, state.reason ?? 'not signed in', `Run \`mcp-auth-proxy login ${name}\`.`));
      signer.close?.();
      return undefined;
    }
    add(pass(`${name}: ${server.auth.type === 'oauth' ? 'login' : 'secret'}`, describeCredential(server, state?.details)));
    return signer;
  } catch (error) {
    signer?.close?.();
    add(fail(`${name}: secret`, error instanceof Error ? error.message : String(error), error instanceof AppError ? error.hint : `Run \`mcp-auth-proxy login ${name}\`.`));
    return undefined;
  }
}

function describeCredential(server: HttpServerConfig, details: Record<string, unknown> | undefined): string {
  if (server.auth.type === 'none') return 'auth none: nothing to resolve';
  if (server.auth.type !== 'oauth') return `${server.auth.type} credential resolved`;
  const expiresAt = typeof details?.expiresAt === 'string' ? details.expiresAt : undefined;
  const refreshed = typeof details?.lastRefreshAt === 'string' ? `, last refreshed ${details.lastRefreshAt}` : '';
  if (!expiresAt) return `signed in (the access token states no expiry${refreshed})`;
  const left = Date.parse(expiresAt) - Date.now();
  return left > 0
    ? `signed in; access token valid until ${expiresAt} (${Math.round(left / 60_000)} min)${refreshed}`
    : `signed in; access token expired at ${expiresAt}, refreshed on next use${refreshed}`;
}

/** DNS, TCP, TLS, then one signed request whose Date header also gives the clock skew. */
async function networkChecks(name: string, server: HttpServerConfig, signer: Signer | undefined, add: (result: CheckResult) => void): Promise<void> {
  const url = new URL(server.url);
  const dns = await dnsCheck(name, url);
  add(dns);
  if (dns.status === 'fail') return;
  const tcp = await tcpCheck(name, url);
  add(tcp);
  if (tcp.status === 'fail') return;
  const tlsResult = await tlsCheck(name, url);
  add(tlsResult);
  if (tlsResult.status === 'fail') return;
  if (!signer) {
    add(skewCheck(name, await upstreamDate(url)));
    return;
  }
  try {
    await signer.prepare?.();
  } catch (error) {
    add(fail(`${name}: token refresh`, error instanceof Error ? error.message : String(error), error instanceof AppError ? error.hint : undefined));
    return;
  }
  if (actsAsCaller(server.auth)) {
    // No caller here to act as: the clock is read from a plain request, and the token is proved by the first caller.
    add(skewCheck(name, await upstreamDate(url)));
    add(warn(`${name}: signed request`, 'not sent: this server acts as each caller (team mode), and doctor has none', 'Send one request through the proxy as a signed-in caller to prove the token.'));
    return;
  }
  // The signed request's answer carries the upstream's Date: no unsigned probe hits the gateway.
  const signed = await verifyServer({ name, server, signer });
  add(skewCheck(name, signed.date));
  add(
    signed.ok
      ? pass(`${name}: signed request`, `initialize accepted (${signed.detail})`)
      : fail(`${name}: signed request`, `the upstream refused it: ${signed.detail}`, `Check the ${server.auth.type === 'hmac' ? 'key id and secret' : 'credential'}; \`mcp-auth-proxy login ${name}\` ${server.auth.type === 'oauth' ? 'signs in again' : 'stores a new one'}.`),
  );
}

async function listenCheck(listen: string, ours: DaemonState | undefined): Promise<CheckResult> {
  const address = parseListenAddress(listen);
  if (!address) return fail('listen', `"${listen}" is not host:port`);
  if (address.port === 0) return pass('listen', `${listen}: an ephemeral port`);
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(address.port, address.host, () => server.close(() => resolve(true)));
  });
  if (free) return pass('listen', `${listen} is free`);
  return ours ? pass('listen', `${listen} is held by our daemon (pid ${ours.pid})`) : fail('listen', `${listen} is in use by another program`, 'Stop it, or choose another address with --listen.');
}

/** Whether the insecure file store holds every keychain entry the servers need (so a missing keychain is not a failure). */
async function heldByFileStore(config: LoadedConfig['config'], stores: ReturnType<typeof openStores>): Promise<boolean> {
  const accounts = Object.entries(config.servers).flatMap(([name, server]) => [
    ...serverCredentialReferences(server).flatMap((ref) => (ref.reference.startsWith('keychain:') ? [ref.reference.slice('keychain:'.length)] : [])),
    ...(!isCommandServer(server) && server.auth.type === 'oauth' ? [tokensAccount(name)] : []),
  ]);
  try {
    for (const account of accounts) if ((await stores.file.get(account)) === undefined) return false;
    return accounts.length > 0;
  } catch {
    return false; // unreadable (a loose mode, say): the secret checks below say why
  }
}

/** The install's client token, if one was made (doctor never creates it). */
async function readClientToken(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    return (await readFile(clientTokenFile(env), 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}
