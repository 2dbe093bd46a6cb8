// The plain values and helpers of team mode's config that the running proxy
// uses (no zod): kept apart from team-schema.ts so the daemon never loads the validator.
import { BlockList, isIP } from 'node:net';
import type { IdentityMethodConfig } from './team-schema.js';

/** The act-as user that stands for the verified caller (team mode). */
export const CALLER = '$caller';

/** Signature algorithms a caller's JWT may use: asymmetric only (an HS256 token "signed" with a public key is refused). */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** Header each access proxy puts its signed assertion in. */
export const ASSERTION_HEADERS = {
  cloudflare: 'Cf-Access-Jwt-Assertion',
  iap: 'x-goog-iap-jwt-assertion',
  pomerium: 'X-Pomerium-Jwt-Assertion',
} as const;

/** The addresses in `cidrs`, for checking a caller's address; undefined entries are skipped (the schema refused them). */
export function addressList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const block = toBlock(cidr);
    if (!block) continue;
    if (block.prefix === undefined) list.addAddress(block.address, block.family);
    else list.addSubnet(block.address, block.prefix, block.family);
  }
  return list;
}

/** An IP address or CIDR block as BlockList takes it; undefined when `value` is neither. */
export function toBlock(value: string): { address: string; prefix?: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', prefixText] = value.trim().split('/');
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) return { address, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > (version === 4 ? 32 : 128)) return undefined;
  return { address, prefix: Number(prefixText), family };
}

/** The headers the configured identity methods read: team mode never forwards them upstream. */
export function identityHeaderNames(methods: readonly IdentityMethodConfig[] | undefined): string[] {
  const names = new Set<string>();
  for (const method of methods ?? []) {
    if (method.type === 'apiKey' || method.type === 'jwt') names.add('authorization');
    else if (method.type === 'proxyAssertion') names.add((method.header ?? ASSERTION_HEADERS[method.provider as keyof typeof ASSERTION_HEADERS]).toLowerCase());
    else {
      names.add(method.header.toLowerCase());
      if (method.groupsHeader) names.add(method.groupsHeader.toLowerCase());
    }
  }
  return [...names];
}

/** Whether a server acts as each verified caller ("$caller" as the act-as user, or as httpsig's signed actAs user). */
export function actsAsCaller(auth: { type: string; user?: unknown; actAs?: { user?: unknown } }): boolean {
  return (auth.type === 'act-as' && auth.user === CALLER) || (auth.type === 'httpsig' && auth.actAs?.user === CALLER);
}
