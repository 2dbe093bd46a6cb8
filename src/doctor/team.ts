// The doctor's view of team mode: each identity method and what it depends on
// (the key store and its permissions, the identity provider's JWKS, the
// access proxy's keys, the trusted proxies), and the listener's certificate:
// readable, matching its key, valid now and for publicUrl's host.
import { X509Certificate } from 'node:crypto';
import type { Config } from '../config/schema.js';
import { createIdentityChain } from '../identity/chain.js';
import { loadTls } from '../daemon/tls.js';
import { AppError } from '../errors.js';
import type { SecretResolver } from '../secrets/resolve.js';
import { fail, pass, warn, type CheckResult } from './check.js';

const SOON_MS = 14 * 24 * 60 * 60 * 1000;

export async function teamChecks(config: Config, env: NodeJS.ProcessEnv, secrets: SecretResolver): Promise<CheckResult[]> {
  if (config.mode !== 'team') return [];
  const results: CheckResult[] = [pass('team', `team mode; agents connect to ${config.publicUrl ?? `http://${config.listen}`}`)];
  const chain = createIdentityChain({ methods: config.identity ?? [], env });
  try {
    for (const method of chain.methods) {
      const name = `identity: ${method.type}`;
      if (!method.check) {
        results.push(method.type === 'trustedHeader' ? pass(name, `believed from ${config.trustedProxies?.join(', ') ?? 'no address'}`) : pass(name, 'configured'));
        continue;
      }
      const checked = await method.check();
      results.push(checked.ok ? pass(name, checked.detail) : fail(name, checked.detail, hintFor(method.type)));
    }
  } finally {
    chain.close();
  }
  if (config.tls) results.push(...(await tlsChecks(config, secrets)));
  else if (config.trustedProxies) results.push(pass('tls', `terminated by the load balancer (${config.trustedProxies.join(', ')})`));
  return results;
}

function hintFor(type: string): string {
  if (type === 'apiKey') return 'Fix the file as said; `mcp-auth-proxy keys list` shows the keys once it is readable.';
  if (type === 'jwt') return "Check identity[].issuer (or jwksUri) and that this machine reaches the identity provider; every caller's token is checked against those keys.";
  return "Check identity[].jwksUri: the access proxy's signing keys must be reachable from here.";
}

async function tlsChecks(config: Config, secrets: SecretResolver): Promise<CheckResult[]> {
  let material;
  try {
    material = await loadTls(config, secrets);
  } catch (error) {
    return [fail('tls', error instanceof Error ? error.message : String(error), error instanceof AppError ? error.hint : undefined)];
  }
  if (!material) return [];
  const cert = new X509Certificate(material.cert);
  const results: CheckResult[] = [];
  const left = Date.parse(cert.validTo) - Date.now();
  if (Date.parse(cert.validFrom) > Date.now() || left <= 0) {
    results.push(fail('tls: certificate', `${config.tls?.cert} is valid from ${cert.validFrom} to ${cert.validTo}: not now`, 'Install a current certificate, then restart the proxy.'));
  } else if (left < SOON_MS) {
    results.push(warn('tls: certificate', `${config.tls?.cert} expires ${cert.validTo} (in ${Math.round(left / 86_400_000)} days)`, 'Renew it; the proxy reads the certificate at start.'));
  } else results.push(pass('tls: certificate', `${cert.subject.replace(/\n/g, ', ')}, valid until ${cert.validTo}`));
  if (config.publicUrl) {
    const host = new URL(config.publicUrl).hostname.replace(/^\[|\]$/g, '');
    const matches = /^[\d.]+$|:/.test(host) ? cert.checkIP(host) : cert.checkHost(host);
    results.push(matches ? pass('tls: name', `the certificate covers ${host}`) : fail('tls: name', `the certificate does not cover ${host} (publicUrl)`, 'Agents will refuse the connection: use a certificate for that name, or fix publicUrl.'));
  }
  return results;
}
