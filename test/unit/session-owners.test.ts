// Team mode's record of who owns each MCP session stays bounded without one
// caller's flood of sessions pushing out anyone else's.
import { SessionOwners } from '../../src/proxy/session-owners.js';

test('a caller past its own limit forgets its own oldest sessions, never another caller’s', () => {
  const owners = new SessionOwners(3, 100);
  owners.claim('glean', 'alice-1', 'alice@acme.example');
  for (let i = 0; i < 50; i++) owners.claim('glean', `mallory-${i}`, 'mallory@acme.example');
  expect(owners.owner('glean', 'alice-1')).toBe('alice@acme.example');
  expect(owners.owner('glean', 'mallory-0')).toBeUndefined();
  expect(owners.owner('glean', 'mallory-49')).toBe('mallory@acme.example');
  expect(owners.size).toBe(4);
});

test('a claimed session keeps its first owner; ended, it has none; the total is bounded oldest first', () => {
  const owners = new SessionOwners(10, 3);
  owners.claim('glean', 's1', 'alice@acme.example');
  owners.claim('glean', 's1', 'bob@acme.example');
  expect(owners.owner('glean', 's1')).toBe('alice@acme.example');
  // The same id at another server is another session.
  expect(owners.owner('github', 's1')).toBeUndefined();
  owners.end('glean', 's1');
  expect(owners.owner('glean', 's1')).toBeUndefined();
  for (const id of ['a', 'b', 'c', 'd']) owners.claim('glean', id, `${id}@acme.example`);
  expect(['a', 'b', 'c', 'd'].map((id) => owners.owner('glean', id))).toEqual([undefined, 'b@acme.example', 'c@acme.example', 'd@acme.example']);
});
