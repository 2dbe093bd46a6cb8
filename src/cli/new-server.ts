// The server entry `login <name> --url ...` creates, for every auth type:
// secrets always as keychain references named after the server, everything
// else from flags, validated by the same schema as the config files.
import { DEFAULT_ACT_AS_HEADER, serverSchema, type HttpServerConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';

export interface NewServerFlags {
  url?: string;
  type?: string;
  keyId?: string;
  user?: string;
  header?: string[];
  clientId?: string;
  scope?: string;
  /** sigv4: signing region and service (else read from the host name), or an AWS profile instead of stored keys. */
  region?: string;
  service?: string;
  profile?: string;
  /** sigv4: also ask for a session token (temporary keys). */
  sessionToken?: boolean;
  /** httpsig: the signature algorithm. */
  alg?: string;
}

const EXAMPLES: Record<string, string> = {
  hmac: '--type hmac --key-id KEY_ID',
  bearer: '--type bearer',
  headers: '--type headers --header X-Api-Key',
  'act-as': '--type act-as --user me@acme.com [--header X-Scio-Actas]',
  oauth: '--type oauth [--client-id ID] [--scope "read write"]',
  sigv4: '--type sigv4 [--region us-east-1] [--service execute-api] [--profile NAME | --session-token]',
  httpsig: '--type httpsig --key-id KEY_ID --alg ed25519',
  none: '--type none',
};

export function newServer(name: string, flags: NewServerFlags): HttpServerConfig {
  const type = flags.type ?? 'hmac';
  const parsed = serverSchema.safeParse({ url: flags.url, auth: authFor(name, type, flags) });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'server'}: ${i.message}`).join('; ');
    throw new UsageError(`Cannot create server "${name}": ${problems}`, `Example: mcp-auth-proxy login ${name} --url https://mcp.corp.example/mcp ${EXAMPLES[type] ?? EXAMPLES.hmac}`);
  }
  return parsed.data;
}

function authFor(name: string, type: string, flags: NewServerFlags): Record<string, unknown> {
  const secret = `keychain:${name}`;
  switch (type) {
    case 'hmac':
      return { type, keyId: flags.keyId, secret };
    case 'bearer':
      return { type, token: secret };
    case 'act-as':
      return { type, token: secret, user: flags.user, ...(flags.header?.[0] ? { header: flags.header[0] } : {}) };
    case 'headers': {
      const names = flags.header ?? [];
      if (names.length === 0) throw new UsageError(`--type headers needs at least one --header NAME`, `Example: mcp-auth-proxy login ${name} --url URL ${EXAMPLES.headers}`);
      return { type, headers: Object.fromEntries(names.map((h) => [h, names.length === 1 ? secret : `keychain:${name}.${h.toLowerCase()}`])) };
    }
    case 'oauth':
      return { type, ...(flags.clientId ? { clientId: flags.clientId } : {}), ...(flags.scope ? { scope: flags.scope } : {}) };
    case 'sigv4': {
      const scope = { ...(flags.service ? { service: flags.service } : {}), ...(flags.region ? { region: flags.region } : {}) };
      // With a profile the AWS CLI's credentials are used; without, access keys go to the keychain.
      if (flags.profile) return { type, ...scope, profile: flags.profile };
      return {
        type,
        ...scope,
        accessKeyId: `keychain:${name}.aws-access-key-id`,
        secretAccessKey: `keychain:${name}.aws-secret-access-key`,
        ...(flags.sessionToken ? { sessionToken: `keychain:${name}.aws-session-token` } : {}),
      };
    }
    case 'httpsig':
      return { type, keyId: flags.keyId, alg: flags.alg ?? 'ed25519', key: secret };
    default:
      return { type };
  }
}

/** What goes into the config file: the entry as the user would write it (no defaults spelled out). */
export function serverEntry(server: HttpServerConfig): Record<string, unknown> {
  const { auth } = server;
  if (auth.type === 'act-as' && auth.header === DEFAULT_ACT_AS_HEADER) {
    const { header: _default, ...rest } = auth;
    return { url: server.url, auth: rest };
  }
  if (auth.type === 'httpsig') {
    // login sets none of these: the entry stays as short as the user would write it.
    const { keyEncoding, label, created, nonce, digest, ...rest } = auth;
    const kept = { ...(keyEncoding !== 'base64' ? { keyEncoding } : {}), ...(label !== 'sig1' ? { label } : {}), ...(!created ? { created } : {}), ...(nonce ? { nonce } : {}), ...(digest !== 'sha-256' ? { digest } : {}) };
    return { url: server.url, auth: { ...rest, ...kept } };
  }
  return { url: server.url, auth };
}
