// Doctor checks particular to a signing scheme: for sigv4, whether AWS
// credentials can be read now (an expired SSO session names the `aws sso
// login` to run); for httpsig, the signature base of a sample request, so the
// user can compare it with what the server expects (it holds no secret).
import { LOCAL_USER, type Signer } from '../auth/scheme.js';
import type { HttpServerConfig } from '../config/schema.js';
import { AppError } from '../errors.js';
import { fail, pass, type CheckResult } from './check.js';

const SAMPLE_BODY = '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}';

export async function schemeChecks(name: string, server: HttpServerConfig, signer: Signer): Promise<CheckResult[]> {
  if (server.auth.type === 'sigv4') {
    try {
      await signer.prepare?.();
    } catch (error) {
      return [fail(`${name}: AWS credentials`, error instanceof Error ? error.message : String(error), error instanceof AppError ? error.hint : undefined)];
    }
    const details = signer.state?.().details ?? {};
    const expires = typeof details.expiresAt === 'string' ? `, valid until ${details.expiresAt}` : '';
    return [pass(`${name}: AWS credentials`, `${String(details.source)}: access key ${String(details.accessKeyId)}${details.temporary ? ' (temporary)' : ''}${expires}; signing for ${String(details.service)} in ${String(details.region)}`)];
  }
  if (server.auth.type === 'httpsig' && signer.explain) {
    const url = new URL(server.url);
    const headers = { host: url.host, 'content-type': 'application/json', 'content-length': String(SAMPLE_BODY.length) };
    const lines = await signer.explain({ method: 'POST', url, headers, identity: LOCAL_USER, body: Buffer.from(SAMPLE_BODY) });
    return [pass(`${name}: signature base`, `of a sample initialize POST (${server.auth.alg}, keyid "${server.auth.keyId}"):\n      ${lines.join('\n      ')}`)];
  }
  return [];
}
