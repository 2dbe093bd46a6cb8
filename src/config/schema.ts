// The one zod schema that owns the config: types, defaults and field
// descriptions all come from here; the example config is checked against it.
import { z } from 'zod';
import { parseByteSize } from './byte-size.js';
import { duration, quoteValue } from './fields.js';
import { isLoopbackHost, parseListenAddress } from './listen-address.js';
import { SECRET_REFERENCE_HINT, isSecretReference } from '../secrets/reference.js';
import { urlPlaceholderProblem, urlReferences, withoutPlaceholders } from '../secrets/url-references.js';
import { cidrSchema, identityMethodSchema, tlsSchema } from './team-schema.js';
import { CALLER } from './team-values.js';
import { policyIssues, policySchema } from './policy-schema.js';
import { scopeFromHost } from '../auth/aws-host.js';
import { commandIssues, commandServerSchema, isCommandEntry, type CommandServerConfig } from './command-schema.js';

export { quoteValue } from './fields.js';

export const DEFAULT_LISTEN = '127.0.0.1:8787';

const RESERVED_SERVER_NAMES = new Set(['mcp', 'healthz', 'readyz', 'statusz', 'metrics', 'authorize', 'token', 'register']);

/**
 * A field that holds a secret. Only references are allowed; the message never
 * echoes the value, since a value written here is the secret itself.
 */
export const secretReference = z.string().refine(isSecretReference, {
  message: `a secret value cannot be written in config; ${SECRET_REFERENCE_HINT}`,
  abort: true,
});

/**
 * Characters an HTTP header value cannot carry (what Node refuses when the
 * request is made): CR and LF would end the header early and start another,
 * so a value holding them is refused at load, naming the field, not at the
 * first request. The value itself is never echoed.
 */
const NOT_IN_HEADER = /[^\t\x20-\x7e\x80-\xff]/;
function headerSafe(value: string): boolean {
  return !NOT_IN_HEADER.test(value);
}
function headerSafeMessage(value: unknown): string {
  return typeof value === 'string' && /[\r\n]/.test(value)
    ? 'contains a line break (CR or LF), which would end the HTTP header early; remove it'
    : 'contains a character an HTTP header cannot carry (a control character, or one beyond Latin-1); remove it';
}

/** Static header value: plain text, or a secret reference resolved at start. */
const headerValue = z.string().refine(headerSafe, { error: (issue) => headerSafeMessage(issue.input) });
const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'not a valid HTTP header name')
  // Names an object would take for its prototype machinery: no real header, and unsafe as a key.
  .refine((name) => !['__proto__', 'constructor', 'prototype'].includes(name), 'not usable as a header name');

/** HTTP header names are case-insensitive: two spellings of one name would silently overwrite each other. */
function distinctHeaderNames(headers: Record<string, string>): boolean {
  const names = Object.keys(headers).map((name) => name.toLowerCase());
  return new Set(names).size === names.length;
}
const DUPLICATE_HEADERS = 'the same header appears twice in different letter case; keep one';

const hmacAuth = z
  .object({
    type: z.literal('hmac').describe('auth-gateway HMAC-SHA256 request signing'),
    keyId: z
      .string()
      .min(1, 'keyId is required: the API key id the gateway issued')
      .refine(headerSafe, { error: (issue) => headerSafeMessage(issue.input) })
      .describe('sent as x-api-key-id'),
    secret: secretReference.describe('reference to the HMAC secret: keychain:NAME, env:VAR or file:PATH'),
  })
  .strict();

const noAuth = z
  .object({ type: z.literal('none').describe('forward without credentials (local or already-open upstreams)') })
  .strict();

const bearerAuth = z
  .object({
    type: z.literal('bearer').describe('a static token sent as Authorization: Bearer'),
    token: secretReference.describe('reference to the token: keychain:NAME, env:VAR or file:PATH'),
  })
  .strict();

const headersAuth = z
  .object({
    type: z.literal('headers').describe('static credential headers (API keys and the like)'),
    headers: z
      .record(headerName, secretReference)
      .refine((headers) => Object.keys(headers).length > 0, 'name at least one header, e.g. { "X-Api-Key": "keychain:NAME" }')
      .refine(distinctHeaderNames, DUPLICATE_HEADERS)
      .describe('header name to secret reference'),
  })
  .strict();

export const DEFAULT_ACT_AS_HEADER = 'X-Glean-ActAs';
const EMAIL = z.email();

const actAsAuth = z
  .object({
    type: z.literal('act-as').describe('a global service token acting as one user (Glean style)'),
    token: secretReference.describe('reference to the global token, sent as Authorization: Bearer'),
    user: z
      .string({ error: 'user must be the email of the user to act as, e.g. "me@acme.com"' })
      .refine((user) => user === CALLER || EMAIL.safeParse(user).success, 'user must be the email of the user to act as, e.g. "me@acme.com"')
      .describe('the acting user; never taken from the agent ("$caller" in team mode: the caller the proxy verified)'),
    allowDomains: z
      .array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be a domain such as "acme.com"'))
      .min(1)
      .optional()
      .describe('with "$caller": only callers whose email is in one of these domains may be acted as'),
    header: headerName
      .refine((name) => name.toLowerCase() !== 'authorization', 'the act-as user cannot go in Authorization, which carries the token')
      .default(DEFAULT_ACT_AS_HEADER)
      .describe('header that carries the user (older Glean deployments read X-Scio-Actas)'),
  })
  .strict();

/** JWS algorithms a private_key_jwt client assertion may use. */
export const SIGNING_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const;

const oauthAuth = z
  .object({
    type: z.literal('oauth').describe('OAuth 2.1 per the MCP authorization spec; `mcp-auth-proxy login <server>` signs in'),
    clientId: z.string().min(1).optional().describe('a pre-registered client id; otherwise a client id metadata document or dynamic registration'),
    clientSecret: secretReference.optional().describe('reference to the secret of a pre-registered confidential client'),
    clientMetadataUrl: z
      .url({ protocol: /^https$/, error: 'must be an https:// URL with a path (a client id metadata document)' })
      .optional()
      .describe('your hosted client id metadata document, used where the authorization server supports them'),
    scope: z.string().min(1).optional().describe('scopes to request; defaults to what the server asks for'),
    authorizationServer: upstreamUrlSchema()
      .optional()
      .describe('skip discovery and use this issuer (for servers without protected resource metadata)'),
    redirectPort: z.number().int().min(1).max(65_535).optional().describe('fixed loopback port for the login redirect, for servers that registered one'),
    grant: z
      .enum(['authorization_code', 'client_credentials'], { error: 'grant must be "authorization_code" (a person signs in through the browser) or "client_credentials" (a service account, no browser)' })
      .optional()
      .describe('authorization_code (default): sign in through the browser; client_credentials: the client id and its secret or key get tokens, no browser'),
    privateKey: secretReference
      .optional()
      .describe('reference to a PEM private key: the client authenticates with a signed JWT (private_key_jwt) instead of a client secret'),
    signingAlgorithm: z
      .enum(SIGNING_ALGORITHMS, { error: `signingAlgorithm must be one of: ${SIGNING_ALGORITHMS.join(', ')}` })
      .optional()
      .describe('JWS algorithm for private_key_jwt; defaults from the key (EC P-256 ES256, RSA RS256, Ed25519 EdDSA)'),
  })
  .strict()
  .superRefine((auth, ctx) => {
    if (auth.privateKey && auth.clientSecret) ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'a client authenticates with clientSecret or privateKey, not both; remove one' });
    if ((auth.privateKey || auth.grant === 'client_credentials') && !auth.clientId) {
      ctx.addIssue({ code: 'custom', path: ['clientId'], message: `${auth.privateKey ? 'privateKey' : 'grant "client_credentials"'} needs the clientId the authorization server issued; add "clientId"` });
    }
    if (auth.grant === 'client_credentials' && !auth.clientSecret && !auth.privateKey) {
      ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'grant "client_credentials" needs a clientSecret (or privateKey) reference, e.g. "keychain:NAME-client-secret"' });
    }
    if (auth.signingAlgorithm && !auth.privateKey) ctx.addIssue({ code: 'custom', path: ['signingAlgorithm'], message: 'signingAlgorithm applies only with privateKey; remove it or add privateKey' });
  });


const sigv4Auth = z
  .object({
    type: z.literal('sigv4').describe('AWS Signature Version 4 (Bedrock AgentCore, API Gateway, Lambda function URLs)'),
    service: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'service is an AWS signing name such as "bedrock-agentcore", "execute-api" or "lambda"')
      .optional()
      .describe('the signing name; read from AWS host names (bedrock-agentcore, execute-api, lambda-url) when not set'),
    region: z
      .string()
      .regex(/^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/, 'region is an AWS region such as "us-east-1"')
      .optional()
      .describe('the signing region; read from AWS host names, else AWS_REGION'),
    profile: z.string().min(1).optional().describe('AWS profile for the credential chain (SSO, assumed roles); default AWS_PROFILE, then "default"'),
    accessKeyId: secretReference.optional().describe('reference to a stored access key id (what `login` stores); otherwise the AWS credential chain'),
    secretAccessKey: secretReference.optional().describe('reference to the secret access key that goes with accessKeyId'),
    sessionToken: secretReference.optional().describe('reference to a session token for temporary keys'),
  })
  .strict()
  .superRefine((auth, ctx) => {
    if (Boolean(auth.accessKeyId) !== Boolean(auth.secretAccessKey)) {
      ctx.addIssue({ code: 'custom', path: [auth.accessKeyId ? 'secretAccessKey' : 'accessKeyId'], message: 'accessKeyId and secretAccessKey go together; set both or neither (neither: the AWS credential chain)' });
    }
    if (auth.sessionToken && !auth.accessKeyId) ctx.addIssue({ code: 'custom', path: ['sessionToken'], message: 'sessionToken goes with accessKeyId and secretAccessKey' });
    if (auth.profile && auth.accessKeyId) ctx.addIssue({ code: 'custom', path: ['profile'], message: 'profile picks credentials from the AWS chain; remove it or the stored keys' });
  });

export const HTTPSIG_ALGORITHMS = ['ed25519', 'ecdsa-p256-sha256', 'rsa-pss-sha512', 'hmac-sha256'] as const;

/** RFC 9421 component identifiers the signer can cover: derived components and (lower-case) header fields. */
const COMPONENT = /^(?:@(?:method|target-uri|authority|scheme|request-target|path|query)|@query-param;name="[^"\\]*"|[a-z0-9!#$%&'*+.^_`|~-]+)$/;
/** An sf-string (RFC 8941): printable ASCII; quotes and backslashes would need escapes no verifier expects in a key id. */
const sfString = (what: string) => z.string().regex(/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/, `${what} is printable ASCII without " or \\`);

const httpsigAuth = z
  .object({
    type: z.literal('httpsig').describe('HTTP Message Signatures (RFC 9421), with Content-Digest (RFC 9530) on bodies'),
    keyId: sfString('keyId').min(1, 'keyId is required: the key id the server knows your key by').describe('sent as the keyid parameter'),
    alg: z
      .enum(HTTPSIG_ALGORITHMS, { error: `alg must be one of: ${HTTPSIG_ALGORITHMS.join(', ')}` })
      .describe('signature algorithm; the key must be of its kind'),
    key: secretReference.describe('reference to the PEM private key (ed25519, ecdsa-p256-sha256, rsa-pss-sha512) or the shared secret (hmac-sha256)'),
    keyEncoding: z
      .enum(['base64', 'utf8'])
      .default('base64')
      .describe('hmac-sha256 only: whether the shared secret is base64 (as in RFC 9421) or the text itself'),
    components: z
      .array(z.string().regex(COMPONENT, 'a component is a derived one ("@method", "@target-uri", "@authority", "@path", "@query", "@query-param;name=\"x\"", ...) or a lower-case header name'))
      .min(1)
      .optional()
      .describe('covered components; default "@method", "@target-uri", "content-digest" and, when the request has them, "mcp-session-id" and the act-as header. Headers a request lacks are left out of its signature'),
    label: z.string().regex(/^[a-z*][a-z0-9_\-.*]*$/, 'label is a structured-field key such as "sig1"').default('sig1').describe('the signature label in Signature-Input and Signature'),
    created: z.boolean().default(true).describe('include the created parameter (the signing time)'),
    expires: duration.optional().describe('include expires = created + this, e.g. "5m"'),
    nonce: z.boolean().default(false).describe('include a random nonce parameter per request'),
    tag: sfString('tag').min(1).optional().describe('the tag parameter the server expects for this application'),
    digest: z.enum(['sha-256', 'sha-512']).default('sha-256').describe('Content-Digest algorithm for request bodies'),
    actAs: z
      .object({
        user: z
          .string({ error: 'actAs.user must be the email of the user to act as' })
          .refine((user) => user === CALLER || EMAIL.safeParse(user).success, 'actAs.user must be the email of the user to act as, or "$caller" (team mode)'),
        allowDomains: z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be a domain such as "acme.com"')).min(1).optional().describe('with "$caller": only callers in these domains'),
        header: headerName.default(DEFAULT_ACT_AS_HEADER),
      })
      .strict()
      .optional()
      .describe('send the acting user in a header (default X-Glean-ActAs), covered by the signature'),
  })
  .strict()
  .superRefine((auth, ctx) => {
    if (auth.keyEncoding !== 'base64' && auth.alg !== 'hmac-sha256') ctx.addIssue({ code: 'custom', path: ['keyEncoding'], message: 'keyEncoding applies to hmac-sha256 only; remove it' });
  });

const AUTH_TYPES = ['hmac', 'bearer', 'headers', 'act-as', 'oauth', 'sigv4', 'httpsig', 'none'] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

export const authSchema = z.discriminatedUnion('type', [hmacAuth, bearerAuth, headersAuth, actAsAuth, oauthAuth, sigv4Auth, httpsigAuth, noAuth], {
  error: (issue) =>
    issue.code === 'invalid_union' ? `auth.type must be one of: ${AUTH_TYPES.map((t) => `"${t}"`).join(', ')}` : undefined,
});

function upstreamUrlSchema() {
  return z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
}

/**
 * The upstream URL: http(s), and for servers that take their key in the URL
 * (a path segment, a query parameter), a `${keychain:NAME}` reference there,
 * filled in when the proxy builds the server (src/secrets/url-references.ts).
 */
const upstreamUrl = z.string({ error: 'must be an http:// or https:// URL' }).superRefine((value, ctx) => {
  const problem = urlPlaceholderProblem(value);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: problem });
    return;
  }
  const plain = withoutPlaceholders(value);
  if (!upstreamUrlSchema().safeParse(plain).success) ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
});

export const serverSchema = z
  .object({
    url: upstreamUrl.describe('the upstream MCP endpoint, base path included'),
    transport: z
      .enum(['streamable-http', 'sse'])
      .default('streamable-http')
      .describe('upstream transport: Streamable HTTP, or the legacy 2024-11-05 HTTP+SSE pair'),
    timeout: duration.optional().describe('time to the upstream response headers; defaults to requestTimeout'),
    heartbeatMs: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('keep-alive comment interval for local streams and, with streamKeepalive, quiet upstream ones'),
    streamKeepalive: z
      .boolean()
      .optional()
      .describe('insert `: keepalive` comments, between events only, into upstream event streams silent for heartbeatMs (default false)'),
    headers: z
      .record(headerName, headerValue)
      .refine(distinctHeaderNames, DUPLICATE_HEADERS)
      .default({})
      .describe('extra static headers sent upstream; values may be secret references'),
    auth: authSchema,
  })
  .strict()
  .superRefine((server, ctx) => {
    // An OAuth token is issued for the resource URL itself: a secret inside it would travel to the authorization server.
    if (server.auth.type === 'oauth' && urlReferences(server.url).length > 0) ctx.addIssue({ code: 'custom', path: ['url'], message: "an OAuth server's URL cannot hold a secret reference (it is the resource tokens are issued for)" });
  });

/**
 * A server is an HTTP upstream (`url`) or a local stdio command (`command`),
 * never both: the entry is checked against the one it names, so every problem
 * is reported against that shape's fields.
 */
export const anyServerSchema = z.unknown().transform((value, ctx): ServerConfig => {
  const entry = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  if (entry && 'url' in entry && 'command' in entry) {
    ctx.issues.push({ code: 'custom', input: value, path: ['command'], message: 'a server has either "url" (an HTTP upstream) or "command" (a local stdio server), not both; remove one' });
    return z.NEVER;
  }
  const parsed = (isCommandEntry(entry) ? commandServerSchema : serverSchema).safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.issues.push({ ...issue, input: (issue as { input?: unknown }).input } as never);
  return z.NEVER;
});

export const serverNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'server names use letters, digits, "-" and "_" (they appear in URLs)')
  .refine((name) => !RESERVED_SERVER_NAMES.has(name.toLowerCase()), 'this name is reserved by the proxy; pick another');

const listen = z.string().refine((v) => parseListenAddress(v) !== undefined, {
  message: 'must be host:port, e.g. "127.0.0.1:8787"',
});

const logLevel = z.enum(['error', 'warn', 'info', 'debug']);

/** Smaller audit files would rotate at almost every line. */
const MIN_AUDIT_BYTES = 1024;

/** A size as `"10MB"`, `"512KB"` (powers of 1024) or a number of bytes, of at least `min` bytes; parsed to bytes. */
const byteSize = (min: number, minText: string) =>
  z.union([z.number(), z.string()]).transform((value, ctx) => {
    const bytes = parseByteSize(value);
    if (bytes === undefined || bytes < min) {
      ctx.issues.push({ code: 'custom', input: value, message: `${quoteValue(value)} is not a size of at least ${minText}; write e.g. "10MB", "512KB" or a number of bytes` });
      return z.NEVER;
    }
    return bytes;
  });

export const AUDIT_DEFAULTS = { enabled: false, arguments: false, maxBytes: 10 * 1024 * 1024, keep: 14 } as const;

const auditObject = z
  .object(
    {
      enabled: z.boolean().default(AUDIT_DEFAULTS.enabled).describe('write one line per tools/call to audit.jsonl in the state directory'),
      arguments: z
        .boolean()
        .default(AUDIT_DEFAULTS.arguments)
        .describe("also record each call's arguments (they can be sensitive; secret values are redacted all the same)"),
      maxBytes: byteSize(MIN_AUDIT_BYTES, '1KB').default(AUDIT_DEFAULTS.maxBytes).describe('start a new file before audit.jsonl would pass this size, e.g. "10MB"'),
      keep: z
        .number()
        .int('must be a whole number')
        .min(0, 'must be 0 or more')
        .default(AUDIT_DEFAULTS.keep)
        .describe('rotated files kept (audit-<time>.jsonl); older ones are deleted'),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'must be true, false or an object such as { "enabled": true, "maxBytes": "10MB", "keep": 14 }' : undefined) },
  )
  .strict();

export const DAEMON_LOG_DEFAULTS = { maxBytes: 10 * 1024 * 1024, keep: 5 } as const;

const daemonLog = z
  .object({
    maxBytes: byteSize(MIN_AUDIT_BYTES, '1KB').default(DAEMON_LOG_DEFAULTS.maxBytes).describe('start a new file before daemon.log would pass this size, e.g. "10MB"'),
    keep: z.number().int('must be a whole number').min(0, 'must be 0 or more').default(DAEMON_LOG_DEFAULTS.keep).describe('rotated files kept (daemon-<time>.log); older ones are deleted'),
  })
  .strict();

/** `true` / `false` is shorthand for `{ "enabled": ... }` with the other defaults. */
const audit = z.preprocess((value) => (typeof value === 'boolean' ? { enabled: value } : value), auditObject);

export const configSchema = z
  .object({
    listen: listen.default(DEFAULT_LISTEN).describe('address the proxy binds (loopback unless allowRemote)'),
    allowRemote: z.boolean().default(false).describe('allow a non-loopback listen address (needs inbound auth)'),
    clientToken: z
      .boolean()
      .default(false)
      .describe('require the per-install client token (X-MCP-Proxy-Token) on every request; mcp-json adds it to agent configs'),
    socket: z
      .string()
      .min(1)
      .optional()
      .describe('also listen on this Unix socket path, mode 0600 (only this user can connect)'),
    maxConnections: z.number().int().positive().default(2048).describe('open client connections at most; more are refused'),
    defaultServer: z.string().optional().describe('the server served at /mcp; optional with one server'),
    requestTimeout: duration.default(20_000).describe('time to upstream response headers, not stream life'),
    heartbeatMs: z.number().int().positive().default(15_000).describe('local SSE keep-alive interval'),
    maxBodyBytes: byteSize(1, '1 byte').default(4 * 1024 * 1024).describe('request body cap (413 past it), e.g. "4MB"'),
    headersTimeout: duration.default(10_000).describe('time a client has to send its request headers'),
    idleTimeout: duration.default(60_000).describe('idle keep-alive connections are closed after this'),
    shutdownTimeout: duration.default(10_000).describe('how long in-flight requests may finish on stop'),
    logLevel: logLevel.default('info'),
    audit: audit
      .default(() => ({ ...AUDIT_DEFAULTS }))
      .describe('opt-in audit log: one JSON line per tools/call (time, identity, server, tool, outcome, duration), rotated by size and UTC day'),
    daemonLog: daemonLog
      .default(() => ({ ...DAEMON_LOG_DEFAULTS }))
      .describe('the log of a daemon started with start --detach (daemon.log in the state directory), rotated by size; read at start'),
    mode: z.enum(['local', 'team']).default('local').describe('local: one user on this machine; team: callers prove who they are (identity) and requests act as each caller'),
    publicUrl: z.url({ protocol: /^https?$/, error: 'must be the http(s):// URL agents reach the proxy at' }).optional().describe('team mode: the URL agents use (Host and Origin are checked against it; resource metadata names it)'),
    tls: tlsSchema.optional().describe('team mode: serve HTTPS with this certificate and key'),
    trustedProxies: z.array(cidrSchema).optional().describe('team mode: addresses of the TLS-terminating load balancer; their X-Forwarded-For is believed'),
    identity: z.array(identityMethodSchema).optional().describe('team mode: how callers prove who they are, tried in this order'),
    policy: policySchema.optional().describe('who may use which tools, resources and prompts: lists are filtered and calls refused by the same rules'),
    servers: z.record(serverNameSchema, anyServerSchema).default({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    for (const issue of crossFieldIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
  });

/**
 * Rules that span fields. zod runs refinements only once every field parsed,
 * so the loader also calls this on the raw merged values when parsing failed:
 * every problem is reported in one go.
 */
export function crossFieldIssues(values: Record<string, unknown>): Array<{ path: string[]; message: string }> {
  const issues: Array<{ path: string[]; message: string }> = [];
  const address = typeof values.listen === 'string' ? parseListenAddress(values.listen) : undefined;
  const team = values.mode === 'team';
  if (address && !isLoopbackHost(address.host) && values.allowRemote !== true && !team) {
    issues.push({ path: ['listen'], message: `${quoteValue(address.host)} is not a loopback address; pass --allow-remote (or set allowRemote) to bind it` });
  }
  issues.push(...teamIssues(values, team, address !== undefined && !isLoopbackHost(address.host)));
  issues.push(...commandIssues(values));
  issues.push(...policyIssues(values));
  const servers = typeof values.servers === 'object' && values.servers !== null ? Object.keys(values.servers) : [];
  for (const [name, server] of Object.entries((values.servers ?? {}) as Record<string, { url?: unknown; auth?: { type?: unknown; service?: unknown } }>)) {
    if (server?.auth?.type !== 'sigv4' || server.auth.service !== undefined || typeof server.url !== 'string' || !URL.canParse(server.url)) continue;
    if (!scopeFromHost(new URL(server.url).hostname).service) {
      issues.push({ path: ['servers', name, 'auth', 'service'], message: `${quoteValue(new URL(server.url).hostname)} is not an AWS host name the signing service can be read from; set service, e.g. "execute-api", "lambda" or "bedrock-agentcore"` });
    }
  }
  if (typeof values.defaultServer === 'string' && !servers.includes(values.defaultServer)) {
    issues.push({
      path: ['defaultServer'],
      message: `no server named ${quoteValue(values.defaultServer)}; configured: ${servers.length ? servers.map((name) => quoteValue(name)).join(', ') : '(none)'}`,
    });
  }
  return issues;
}

/** What team mode needs, and what only team mode may set. */
function teamIssues(values: Record<string, unknown>, team: boolean, remote: boolean): Array<{ path: string[]; message: string }> {
  const issues: Array<{ path: string[]; message: string }> = [];
  const identity = Array.isArray(values.identity) ? (values.identity as Array<{ type?: unknown }>) : [];
  // act-as servers with "$caller", and httpsig servers whose signed actAs is "$caller".
  const callerPaths = Object.entries(typeof values.servers === 'object' && values.servers !== null ? (values.servers as Record<string, { auth?: { user?: unknown; actAs?: { user?: unknown } } }>) : {}).flatMap(([name, server]) => [
    ...(server?.auth?.user === CALLER ? [['servers', name, 'auth', 'user']] : []),
    ...(server?.auth?.actAs?.user === CALLER ? [['servers', name, 'auth', 'actAs', 'user']] : []),
  ]);
  if (!team) {
    for (const field of ['identity', 'publicUrl', 'tls', 'trustedProxies'] as const) {
      if (values[field] !== undefined) issues.push({ path: [field], message: 'applies in team mode only; set "mode": "team", or remove it' });
    }
    for (const path of callerPaths) issues.push({ path, message: '"$caller" needs team mode, where callers prove who they are; set "mode": "team", or write the user\'s email' });
    return issues;
  }
  if (identity.length === 0) issues.push({ path: ['identity'], message: 'team mode needs at least one identity method, e.g. [{ "type": "apiKey" }] or [{ "type": "jwt", "issuer": "https://login.acme.com" }]' });
  if (remote && values.tls === undefined && values.trustedProxies === undefined) {
    issues.push({ path: ['listen'], message: 'team mode on a non-loopback address needs "tls" (a certificate and key) or "trustedProxies" (the load balancer that terminates TLS): callers\' keys and tokens must not cross the network in clear' });
  }
  if (remote && typeof values.publicUrl !== 'string') issues.push({ path: ['publicUrl'], message: 'team mode on a non-loopback address needs the URL agents reach it at, e.g. "https://mcp-proxy.acme.com"' });
  if (identity.some((method) => method?.type === 'trustedHeader') && values.trustedProxies === undefined) {
    issues.push({ path: ['trustedProxies'], message: 'a trustedHeader identity is believed only from trustedProxies addresses; list them' });
  }
  return issues;
}

export type Config = z.output<typeof configSchema>;
/** An HTTP upstream: url, transport, headers, auth. */
export type HttpServerConfig = z.output<typeof serverSchema>;
export type { CommandServerConfig } from './command-schema.js';
/** Either kind of server; `isCommandServer` tells them apart. */
export type ServerConfig = HttpServerConfig | CommandServerConfig;

export { isCommandServer } from './command-values.js';
export type AuthConfig = z.output<typeof authSchema>;
export type OAuthConfig = z.output<typeof oauthAuth>;
export type SigV4Config = z.output<typeof sigv4Auth>;
export type HttpSigConfig = z.output<typeof httpsigAuth>;
export type LogLevel = z.output<typeof logLevel>;
export type AuditConfig = z.output<typeof audit>;
