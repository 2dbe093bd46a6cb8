// The config of team mode: how callers prove who they are (the identity
// methods, tried in order), the listener's TLS or the load balancers it
// trusts, and the URL agents reach it at. Kept apart from schema.ts, which
// composes it into the one config schema; the values the proxy uses at run
// time are in team-values.ts, which needs no zod.
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { SECRET_REFERENCE_HINT, isSecretReference } from '../secrets/reference.js';
import { JWT_ALGORITHMS, toBlock } from './team-values.js';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const headerName = z.string().regex(HEADER_NAME, 'not a valid HTTP header name');

/** https, or http on loopback only (a local identity provider for development and tests). */
const secureUrl = z.url({ protocol: /^https?$/, error: 'must be an https:// URL' }).refine((value) => {
  // zod runs refinements after a failed format check too: an unparsable URL is simply not acceptable here.
  const url = URL.canParse(value) ? new URL(value) : undefined;
  return url !== undefined && (url.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
}, 'must be an https:// URL (plain http only on loopback)');

const seconds = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined || ms > 300_000) {
    ctx.issues.push({ code: 'custom', input: value, message: 'must be a duration up to 5 minutes, e.g. "30s"' });
    return z.NEVER;
  }
  return ms;
});

const audience = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const claims = z
  .object({
    user: z.string().min(1).default('email').describe('the claim that holds the caller\'s email'),
    groups: z.string().min(1).default('groups').describe('the claim that holds the caller\'s groups (a list, or a space-separated string)'),
  })
  .strict();

const apiKey = z
  .object({
    type: z.literal('apiKey').describe('keys made by `mcp-auth-proxy keys create`, sent as Authorization: Bearer mapk_...'),
    store: z.string().min(1).optional().describe('the key store file (default: api-keys.json in the state directory)'),
  })
  .strict();

const jwt = z
  .object({
    type: z.literal('jwt').describe("bearer JWTs from the company's identity provider, verified against its JWKS"),
    issuer: secureUrl.describe('the identity provider (its OpenID configuration names the JWKS)'),
    audience: audience.optional().describe("accepted audiences; default: the URL of the server called (RFC 8707 resource) or publicUrl"),
    jwksUri: secureUrl.optional().describe("the JWKS; default: from the issuer's metadata"),
    claims: claims.default({ user: 'email', groups: 'groups' }),
    algorithms: z.array(z.enum(JWT_ALGORITHMS)).min(1).optional().describe('allowed algorithms (asymmetric only); default all of them'),
    clockTolerance: seconds.default(30_000).describe('allowance for clock skew on exp and nbf'),
    scopes: z.array(z.string().min(1)).optional().describe('scopes_supported in the protected resource metadata agents read'),
  })
  .strict();

const proxyAssertion = z
  .object({
    type: z.literal('proxyAssertion').describe('a signed identity header set by an access proxy in front (Cloudflare Access, Google IAP, Pomerium)'),
    provider: z.enum(['cloudflare', 'iap', 'pomerium']).optional().describe('names the header; or set header'),
    header: headerName.optional(),
    jwksUri: secureUrl.describe("the access proxy's signing keys"),
    issuer: z.string().min(1).optional(),
    audience: audience.describe('the audience the access proxy signs for (Cloudflare AUD tag, IAP /projects/...)'),
    claims: claims.default({ user: 'email', groups: 'groups' }),
  })
  .strict()
  .refine((method) => method.provider !== undefined || method.header !== undefined, { message: 'name the access proxy ("provider": "cloudflare", "iap" or "pomerium") or its "header"', path: ['provider'] });

const trustedHeader = z
  .object({
    type: z.literal('trustedHeader').describe('a plain identity header, believed only from trustedProxies addresses'),
    header: headerName.default('X-Auth-Request-Email'),
    groupsHeader: headerName.optional().describe('comma-separated groups, e.g. X-Auth-Request-Groups'),
  })
  .strict();

const IDENTITY_TYPES = ['apiKey', 'jwt', 'proxyAssertion', 'trustedHeader'] as const;

export const identityMethodSchema = z.discriminatedUnion('type', [apiKey, jwt, proxyAssertion, trustedHeader], {
  error: (issue) => (issue.code === 'invalid_union' ? `type must be one of: ${IDENTITY_TYPES.map((t) => `"${t}"`).join(', ')}` : undefined),
});

export const tlsSchema = z
  .object({
    cert: z.string().min(1).describe('the certificate chain (PEM file)'),
    key: z
      .string()
      .refine(isSecretReference, { message: `the private key is a secret: ${SECRET_REFERENCE_HINT}` })
      .describe('reference to the private key (PEM), e.g. "file:/etc/mcp-auth-proxy/tls.key"'),
  })
  .strict();

/** An IP address or CIDR block (v4 or v6), as a load balancer's addresses are written. */
export const cidrSchema = z.string().refine((value) => toBlock(value) !== undefined, 'must be an IP address or a CIDR block, e.g. "10.0.0.0/8"');

export type IdentityMethodConfig = z.output<typeof identityMethodSchema>;
export type JwtIdentityConfig = z.output<typeof jwt>;
export type ProxyAssertionConfig = z.output<typeof proxyAssertion>;
export type TrustedHeaderConfig = z.output<typeof trustedHeader>;
export type ApiKeyIdentityConfig = z.output<typeof apiKey>;
