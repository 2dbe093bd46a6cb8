// The initialize a multiplexed child gets from the proxy (its one client,
// on behalf of every session it serves), and the protocol version each
// session is told: the one it asked for when the child speaks that one or a
// later one, so an older client is not handed a version it cannot read.
import { VERSION } from '../../version.js';

/** Protocol revisions, oldest first; dates compare as strings. */
export const PROTOCOL_VERSIONS = ['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25'] as const;
export const LATEST_PROTOCOL_VERSION = '2025-11-25';

/**
 * Every capability a session's client may have: the child may ask for
 * sampling, elicitation or roots, and the request goes to a session whose
 * client declared it (or is refused when none did).
 */
export function ownInitialize(protocolVersion: string | undefined): Record<string, unknown> {
  return {
    protocolVersion: protocolVersion ?? LATEST_PROTOCOL_VERSION,
    capabilities: { roots: { listChanged: true }, sampling: {}, elicitation: {} },
    clientInfo: { name: 'mcp-auth-proxy', version: VERSION },
  };
}

export function negotiate(requested: unknown, child: unknown): unknown {
  if (typeof requested !== 'string' || !(PROTOCOL_VERSIONS as readonly string[]).includes(requested)) return child ?? requested;
  return typeof child === 'string' && requested > child ? child : requested;
}
