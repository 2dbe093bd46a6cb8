// What `import` makes of one agent entry: the proxy server it becomes (its
// config entry, with references where the secrets were), the secrets to
// store and where each was found, or why the entry is left as it is.
import { nameParts } from '../secrets/looks-secret.js';
import type { AgentEntry } from './agent-file.js';

export interface FoundSecret {
  /** The keychain account it is stored under. */
  account: string;
  value: string;
  /** Where it was, for the plan ("env GITHUB_TOKEN", "header Authorization", "URL path"). */
  where: string;
}

export interface ImportedEntry {
  entry: AgentEntry;
  /** The proxy's name for it. */
  name: string;
  kind: 'stdio' | 'http';
  /** The command line or URL as a person reads it, secrets masked. */
  shown: string;
  /** The entry for the proxy's config; absent when the entry is left as it is. */
  server?: Record<string, unknown>;
  secrets: FoundSecret[];
  notes: string[];
  /** Why the entry is left as it is. */
  skip?: string;
  /** The entry holds a secret in the file (left as it is, the file keeps it). */
  holdsSecret: boolean;
}

export const MASK = '****';

/** A keychain account named for the server and what the secret was (`github.github-personal-access-token`). */
export function accountFor(server: string, what: string): string {
  return `${server}.${nameParts(what).join('-').toLowerCase() || 'secret'}`;
}

/** A variable name from a flag or a hint (`--api-key` → API_KEY), not yet in `taken`. */
export function variableFor(hint: string, taken: Record<string, unknown>): string {
  const base = nameParts(hint).join('_') || 'SECRET';
  let name = /^[A-Za-z_]/.test(base) ? base : `S_${base}`;
  for (let i = 2; Object.hasOwn(taken, name); i++) name = `${base}_${i}`;
  return name;
}
