// Bounds the wait for an upstream's response headers without a timer per
// request. Every wait of one length ends in the order it started, so the
// waits sit in a list in that order and one timer runs for the first: adding
// and cancelling cost a small list node, not a Node timer each (an object with
// an async id, a place in the timer lists, and its unref/clear bookkeeping).

export interface Clock {
  now(): number;
  /** An unref'd timer calling `fire` in `ms`; the returned function stops it. */
  schedule(ms: number, fire: () => void): () => void;
}

const realClock: Clock = {
  now: () => performance.now(),
  schedule(ms, fire) {
    const timer = setTimeout(fire, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** One wait in a Deadlines list; cancel() takes it out (safe to call more than once, and after it expired). */
export class Wait<T> {
  prev: Wait<T> | undefined = undefined;
  next: Wait<T> | undefined = undefined;
  /** Still in the list: neither cancelled nor expired. */
  active = true;

  constructor(
    readonly list: Deadlines<T>,
    readonly item: T,
    readonly at: number,
  ) {}

  cancel(): void {
    if (this.active) this.list.remove(this);
  }
}

/** Waits of `ms` each; `expired` is called for each one that was not cancelled in time. */
export class Deadlines<T> {
  private head: Wait<T> | undefined = undefined;
  private tail: Wait<T> | undefined = undefined;
  private stop: (() => void) | undefined = undefined;

  constructor(
    readonly ms: number,
    private readonly expired: (item: T) => void,
    private readonly clock: Clock = realClock,
  ) {}

  add(item: T): Wait<T> {
    const wait = new Wait(this, item, this.clock.now() + this.ms);
    if (this.tail) {
      this.tail.next = wait;
      wait.prev = this.tail;
    } else this.head = wait;
    this.tail = wait;
    // The timer, when running, is set for an earlier wait: it reaches this one in turn.
    if (!this.stop) this.arm(this.ms);
    return wait;
  }

  /** Called by Wait.cancel(). The timer is left as it is: when it fires early for a later wait it is set again. */
  remove(wait: Wait<T>): void {
    wait.active = false;
    if (wait.prev) wait.prev.next = wait.next;
    else this.head = wait.next;
    if (wait.next) wait.next.prev = wait.prev;
    else this.tail = wait.prev;
    wait.prev = undefined;
    wait.next = undefined;
  }

  /** How many waits are in the list (for tests). */
  get size(): number {
    let n = 0;
    for (let w = this.head; w; w = w.next) n++;
    return n;
  }

  private arm(ms: number): void {
    this.stop = this.clock.schedule(Math.max(0, ms), () => this.fire());
  }

  private fire(): void {
    this.stop = undefined;
    const now = this.clock.now();
    // Expired ones leave the list before their callback runs, so a callback that adds or cancels sees a consistent list.
    while (this.head && this.head.at <= now) {
      const wait = this.head;
      this.remove(wait);
      this.expired(wait.item);
    }
    if (this.head && !this.stop) this.arm(this.head.at - now);
  }
}
