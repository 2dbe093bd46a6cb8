// The server entry `login <name> --url ...` creates, for every auth type:
// secrets always as keychain references named after the server, everything
// else from flags, validated by the same schema as the config files.
import { DEFAULT_ACT_AS_HEADER, serverSchema, type ServerConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';

export interface NewServerFlags {
  url?: string;
  type?: string;
  keyId?: string;
  user?: string;
  header?: string[];
  clientId?: string;
  scope?: string;
}

const EXAMPLES: Record<string, string> = {
  hmac: '--type hmac --key-id KEY_ID',
  bearer: '--type bearer',
  headers: '--type headers --header X-Api-Key',
  'act-as': '--type act-as --user me@acme.com [--header X-Scio-Actas]',
  oauth: '--type oauth [--client-id ID] [--scope "read write"]',
  none: '--type none',
};

export function newServer(name: string, flags: NewServerFlags): ServerConfig {
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
    default:
      return { type };
  }
}

/** What goes into the config file: the entry as the user would write it (no defaults spelled out). */
export function serverEntry(server: ServerConfig): Record<string, unknown> {
  const { auth } = server;
  if (auth.type === 'act-as' && auth.header === DEFAULT_ACT_AS_HEADER) {
    const { header: _default, ...rest } = auth;
    return { url: server.url, auth: rest };
  }
  return { url: server.url, auth };
}
