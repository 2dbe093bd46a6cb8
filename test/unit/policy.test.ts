// The policy as a function: rules in order, the first that is for the
// caller and names the thing decides, deny before allow within a rule, the
// default otherwise; `when` matches users or groups (either) and methods;
// names and callers compared without regard to letter case; `*` any text.
import fc from 'fast-check';
import { policySchema } from '../../src/config/policy-schema.js';
import { compilePolicy, type Caller } from '../../src/policy/compile.js';
import { compileGlob, globMatches } from '../../src/policy/glob.js';

const policy = (input: unknown) => compilePolicy(policySchema.parse(input));
const ann: Caller = { user: 'ann@acme.com', groups: ['eng'], method: 'jwt' };
const bot: Caller = { user: 'bot@acme.com', groups: ['eng'], method: 'apiKey' };
const eve: Caller = { user: 'eve@other.org', groups: [], method: 'jwt' };

test('the first rule for the caller that names the thing decides; within a rule deny comes first', () => {
  const p = policy({
    default: 'deny',
    rules: [
      { id: 'admins', when: { groups: ['admins'] }, allow: ['*'] },
      { id: 'eng', when: { groups: ['eng'] }, allow: ['github.*'], deny: ['github.delete_*'] },
      { id: 'late-allow', allow: ['github.delete_repo'] },
    ],
  });
  const d = (caller: Caller, name: string) => {
    const decision = p.forCaller(caller).decide('github', name);
    return [decision.allowed, decision.rule ?? 'default'];
  };
  expect(d(ann, 'search_code')).toEqual([true, 'eng']);
  // eng denies it first: a later rule's allow does not undo it.
  expect(d(ann, 'delete_repo')).toEqual([false, 'eng']);
  expect(d({ ...ann, groups: ['admins', 'eng'] }, 'delete_repo')).toEqual([true, 'admins']);
  // Not for eve: eng is skipped, late-allow names it.
  expect(d(eve, 'delete_repo')).toEqual([true, 'late-allow']);
  expect(d(eve, 'search_code')).toEqual([false, 'default']);
});

test('when: users or groups (either matches), and methods; user globs and letter case', () => {
  const p = policy({
    rules: [
      { id: 'keys-read-only', when: { methods: ['apiKey'] }, deny: ['*.create_*'] },
      { id: 'contractors', when: { users: ['*@OTHER.org'], groups: ['contractors'] }, deny: ['glean.*'] },
    ],
  });
  expect(p.forCaller(bot).decide('github', 'create_issue').rule).toBe('keys-read-only');
  expect(p.forCaller(ann).decide('github', 'create_issue').rule).toBeUndefined();
  expect(p.forCaller(eve).decide('glean', 'search').allowed).toBe(false);
  expect(p.forCaller({ ...ann, groups: ['Contractors'] }).decide('glean', 'search').rule).toBe('contractors');
  expect(p.forCaller(ann).decide('glean', 'search').allowed).toBe(true);
  // Names too: a deny of *delete* catches DeleteRepo.
  expect(policy({ rules: [{ id: 'x', deny: ['*delete*'] }] }).forCaller(ann).decide('GitHub', 'DeleteRepo').allowed).toBe(false);
});

test('callers with the same rules share one view; decisions are the same from the cache', () => {
  const p = policy({ rules: [{ id: 'eng', when: { groups: ['eng'] }, deny: ['*.x'] }] });
  expect(p.forCaller(ann)).toBe(p.forCaller({ ...bot }));
  const view = p.forCaller(ann);
  expect(view.decide('s', 'x')).toBe(view.decide('s', 'x'));
});

test('a glob matches as the regular expression it stands for, whatever the text', () => {
  const unit = fc.constantFrom('a', 'b', '.', '/', '*');
  fc.assert(
    fc.property(fc.string({ unit, maxLength: 8 }), fc.string({ unit: fc.constantFrom('a', 'b', '.', '/'), maxLength: 12 }), (pattern, name) => {
      const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\/]/g, '\\$&').replaceAll('*', '.*')}$`, 's');
      expect(globMatches(compileGlob(pattern), name)).toBe(regex.test(name));
    }),
    { numRuns: 2000 },
  );
});
