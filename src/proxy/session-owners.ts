// Team mode: who owns each MCP session, by server and session id. Bounded
// twice: per caller (one caller's flood of initializes forgets only its own
// oldest sessions) and in all (the oldest first; the upstream expires them too).

/** Sessions one caller may hold at once: far above any agent's use, low enough that a flood costs only its sender. */
export const MAX_SESSIONS_PER_CALLER = 1_000;
/** Sessions remembered per proxy at most. */
export const MAX_SESSIONS = 100_000;

export class SessionOwners {
  /** Owner of each `server \n sessionId` (insertion order: oldest first). */
  private readonly owners = new Map<string, string>();
  /** Each caller's sessions, oldest first. */
  private readonly byCaller = new Map<string, Set<string>>();

  constructor(
    private readonly perCaller = MAX_SESSIONS_PER_CALLER,
    private readonly total = MAX_SESSIONS,
  ) {}

  get size(): number {
    return this.owners.size;
  }

  owner(server: string, sessionId: string): string | undefined {
    return this.owners.get(`${server}\n${sessionId}`);
  }

  /** Records the first caller a session was issued to; a later claim never changes its owner. */
  claim(server: string, sessionId: string, user: string): void {
    const key = `${server}\n${sessionId}`;
    if (this.owners.has(key)) return;
    let mine = this.byCaller.get(user);
    if (mine === undefined) this.byCaller.set(user, (mine = new Set()));
    if (mine.size >= this.perCaller) this.forget(mine.values().next().value as string);
    if (this.owners.size >= this.total) this.forget(this.owners.keys().next().value as string);
    this.owners.set(key, user);
    mine.add(key);
  }

  end(server: string, sessionId: string): void {
    this.forget(`${server}\n${sessionId}`);
  }

  private forget(key: string): void {
    const user = this.owners.get(key);
    if (user === undefined) return;
    this.owners.delete(key);
    const mine = this.byCaller.get(user);
    mine?.delete(key);
    if (mine?.size === 0) this.byCaller.delete(user);
  }
}
