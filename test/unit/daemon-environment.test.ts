// The detached daemon's environment: the malloc settings are added, a value
// the user set is kept, and nothing else changes.
import { daemonEnvironment } from '../../src/daemon/detach.js';

test('the malloc settings are added to what the daemon inherits; a value the user set wins', () => {
  expect(daemonEnvironment({ PATH: '/usr/bin', HOME: '/home/ann' })).toEqual({ PATH: '/usr/bin', HOME: '/home/ann', MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072' });
  expect(daemonEnvironment({ PATH: '/usr/bin', MALLOC_ARENA_MAX: '8' })).toEqual({ PATH: '/usr/bin', MALLOC_ARENA_MAX: '8', MALLOC_TRIM_THRESHOLD_: '131072' });
  const theirs = { MALLOC_ARENA_MAX: '1', MALLOC_TRIM_THRESHOLD_: '0' };
  expect(daemonEnvironment(theirs)).toBe(theirs);
});
