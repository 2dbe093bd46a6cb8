// Tokens verified before, so an agent's every request (the same bearer token
// each time) costs a map lookup rather than a signature check: kept per
// audience until the token's own expiry, and never longer than five minutes
// (a key the identity provider withdrew stops being believed by then). Only
// successes are kept; a bounded number of them, oldest out first.
import type { Principal } from './principal.js';

const MAX_AGE_MS = 5 * 60_000;
const MAX_ENTRIES = 10_000;

export class VerifiedTokens {
  private readonly byAudience = new Map<string, Map<string, { principal: Principal; until: number }>>();
  private size = 0;

  constructor(private readonly now: () => number = Date.now) {}

  get(audience: string, token: string): Principal | undefined {
    const tokens = this.byAudience.get(audience);
    const entry = tokens?.get(token);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.principal;
    tokens?.delete(token);
    this.size -= 1;
    return undefined;
  }

  /** `exp`: the token's expiry (JWT seconds), when it has one. */
  set(audience: string, token: string, principal: Principal, exp: number | undefined): void {
    const until = Math.min(typeof exp === 'number' ? exp * 1000 : Number.POSITIVE_INFINITY, this.now() + MAX_AGE_MS);
    if (this.size >= MAX_ENTRIES) this.evictOldest();
    let tokens = this.byAudience.get(audience);
    if (!tokens) this.byAudience.set(audience, (tokens = new Map()));
    if (!tokens.has(token)) this.size += 1;
    tokens.set(token, { principal: Object.freeze(principal), until });
  }

  private evictOldest(): void {
    for (const tokens of this.byAudience.values()) {
      const oldest = tokens.keys().next();
      if (!oldest.done) {
        tokens.delete(oldest.value);
        this.size -= 1;
        return;
      }
    }
  }
}
