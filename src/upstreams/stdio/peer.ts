// The contract between a child's link and what it serves: a Peer is one MCP
// session over HTTP (or one stateless 2026-07-28 request), and gets the
// child's messages that belong to it.

export type RpcId = string | number;

/** A JSON-RPC message as it travels: a request, a notification or a response. */
export interface Message {
  jsonrpc: '2.0';
  id?: RpcId | null;
  method?: string;
  params?: Record<string, unknown> & { _meta?: Record<string, unknown> };
  result?: unknown;
  error?: unknown;
}

/** What a client said it can do at initialize: the child's own requests go only to a client that can answer them. */
export interface PeerCapabilities {
  sampling: boolean;
  elicitation: boolean;
  roots: boolean;
}

export interface Peer {
  readonly capabilities: PeerCapabilities;
  /**
   * A message for the client: an answer to one of its requests (with its own
   * id), or a message of the child's own. `line` is the exact text to send
   * when the message is as the child wrote it; `related` is the client's
   * request it belongs to (its progress, or a request made while it ran).
   */
  deliver(message: Message, line?: string, related?: RpcId): void;
}

export const NO_CAPABILITIES: PeerCapabilities = Object.freeze({ sampling: false, elicitation: false, roots: false });

/** The capabilities an initialize request declares. */
export function capabilitiesOf(params: Record<string, unknown> | undefined): PeerCapabilities {
  const declared = (params?.capabilities ?? {}) as Record<string, unknown>;
  return { sampling: declared.sampling !== undefined, elicitation: declared.elicitation !== undefined, roots: declared.roots !== undefined };
}
