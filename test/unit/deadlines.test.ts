// The bounded waits for upstream response headers: each wait not cancelled
// expires once, at its own deadline, in order, whatever was cancelled around
// it; one timer runs at a time. Driven by a fake clock: no real time passes.
import { Deadlines, type Clock } from '../../src/proxy/deadlines.js';

/** A clock whose time moves only when the test says, and which runs the timers that fall due. */
function fakeClock() {
  let now = 0;
  let timers: Array<{ at: number; fire: () => void; live: boolean }> = [];
  const clock: Clock = {
    now: () => now,
    schedule(ms, fire) {
      const timer = { at: now + ms, fire, live: true };
      timers.push(timer);
      return () => void (timer.live = false);
    },
  };
  return {
    clock,
    /** Moves time to `to`, running each timer due on the way at its own time. */
    advance(to: number) {
      for (;;) {
        const due = timers.filter((t) => t.live && t.at <= to).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        now = due.at;
        due.live = false;
        due.fire();
      }
      now = to;
      timers = timers.filter((t) => t.live);
    },
    liveTimers: () => timers.filter((t) => t.live).length,
  };
}

test('each wait expires at its own deadline, in order; cancelled ones never do', () => {
  const time = fakeClock();
  const expired: Array<[string, number]> = [];
  const list = new Deadlines<string>(100, (item) => expired.push([item, time.clock.now()]), time.clock);
  const a = list.add('a');
  time.advance(10);
  list.add('b');
  time.advance(30);
  const c = list.add('c');
  list.add('d');
  a.cancel();
  c.cancel();
  time.advance(109);
  expect(expired).toEqual([]);
  time.advance(1000);
  expect(expired).toEqual([
    ['b', 110],
    ['d', 130],
  ]);
  expect(list.size).toBe(0);
});

test('cancelling twice, or after the wait expired, changes nothing', () => {
  const time = fakeClock();
  const expired: string[] = [];
  const list = new Deadlines<string>(50, (item) => expired.push(item), time.clock);
  const a = list.add('a');
  const b = list.add('b');
  a.cancel();
  a.cancel();
  time.advance(60);
  expect(expired).toEqual(['b']);
  b.cancel();
  const c = list.add('c');
  expect(list.size).toBe(1);
  c.cancel();
  expect(list.size).toBe(0);
});

test('one timer at a time, however many waits are in flight', () => {
  const time = fakeClock();
  const list = new Deadlines<number>(100, () => undefined, time.clock);
  const waits = Array.from({ length: 50 }, (_, i) => list.add(i));
  expect(time.liveTimers()).toBe(1);
  for (const w of waits.slice(0, 49)) w.cancel();
  time.advance(100);
  expect(time.liveTimers()).toBe(0);
  expect(list.size).toBe(0);
});

test('a wait added by an expiry callback gets its full time', () => {
  const time = fakeClock();
  const expired: Array<[number, number]> = [];
  const list: Deadlines<number> = new Deadlines<number>(
    100,
    (n) => {
      expired.push([n, time.clock.now()]);
      if (n < 3) list.add(n + 1);
    },
    time.clock,
  );
  list.add(1);
  time.advance(1000);
  expect(expired).toEqual([
    [1, 100],
    [2, 200],
    [3, 300],
  ]);
});
