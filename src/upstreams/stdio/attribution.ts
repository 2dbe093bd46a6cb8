// Which session a shared child's own message belongs to. Over stdio a server
// sends a sampling, elicitation or roots request (or a log line) with nothing
// that names the request it serves, so the owner is the one session that can
// have caused it: the only one with a call in flight (narrowed to calls that
// run server code, then to clients that declared the capability asked for).
// When several remain, nobody gets it: a guess could show one session's data
// to another.
import type { Peer } from './peer.js';

/** Requests during which a server runs code that may ask the client something or log. */
const CAUSES = new Set(['tools/call', 'prompts/get', 'resources/read', 'completion/complete']);

const CAPABILITY: Record<string, keyof Peer['capabilities']> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

export function attribute(method: string, pending: Iterable<{ peer: Peer; method: string; sent: boolean }>, peers: ReadonlySet<Peer>, lastNotifier: Peer | undefined): Peer | 'ambiguous' | undefined {
  const capability = CAPABILITY[method];
  const able = (peer: Peer) => capability === undefined || peer.capabilities[capability];
  const busy = new Set<Peer>();
  const causing = new Set<Peer>();
  for (const entry of pending) {
    if (!entry.sent || !able(entry.peer)) continue;
    busy.add(entry.peer);
    if (CAUSES.has(entry.method)) causing.add(entry.peer);
  }
  const candidates = causing.size > 0 ? causing : busy;
  if (candidates.size === 1) return candidates.values().next().value;
  if (candidates.size > 1) return 'ambiguous';
  // Nothing in flight: a roots/list follows the session that said its roots changed; with one session, it is that one.
  if (method === 'roots/list' && lastNotifier && peers.has(lastNotifier) && able(lastNotifier)) return lastNotifier;
  if (peers.size === 1) {
    const only = peers.values().next().value as Peer;
    return able(only) ? only : undefined;
  }
  return undefined;
}
