// `policy explain` and `policy test` as users run them (the built CLI): the
// decision and the rule that made it (text and --json), a table of cases
// checked for CI (exit 0 / 1 on a mismatch / 2 on a mistake in the file),
// and a policy with a mistake in the config named by file and field (exit 2).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, runCli } from '../helpers/cli.js';

const dir = () => mkdtempSync(join(tmpdir(), 'map-policy-'));

const TEAM = {
  mode: 'team',
  identity: [{ type: 'apiKey' }],
  servers: { github: { url: 'https://mcp.github.example/mcp', auth: { type: 'none' } }, glean: { url: 'https://glean.example/mcp', auth: { type: 'none' } } },
  policy: {
    default: 'deny',
    rules: [
      { id: 'admins-all', when: { groups: ['admins'] }, allow: ['*'] },
      { id: 'no-deletes', deny: ['*.delete_*'] },
      { id: 'eng-read', when: { groups: ['eng'] }, allow: ['github.search_*', 'glean.*'] },
    ],
  },
};

function setup(config: unknown = TEAM) {
  const home = dir();
  const file = join(home, 'team.json');
  writeFileSync(file, JSON.stringify(config));
  const env = cleanEnv({ HOME: home, XDG_CONFIG_HOME: join(home, 'xdg'), XDG_STATE_HOME: join(home, 'state') });
  return { home, file, run: (args: string[]) => runCli([...args, '--config', file], { cwd: home, env }) };
}

test('explain: the decision, the rule that made it, and the rules read before it', async () => {
  const { run } = setup();
  const denied = await run(['policy', 'explain', '--user', 'ann@acme.com', '--group', 'eng', '--tool', 'github.delete_repo']);
  expect(denied.code).toBe(0);
  expect(denied.stdout).toContain('deny: tool github.delete_repo for ann@acme.com (groups: eng; method: any)');
  expect(denied.stdout).toContain('Decided by rule "no-deletes": deny "*.delete_*".');
  expect(denied.stdout).toMatch(/1\. admins-all\s+not for this caller: when.groups names none of the caller's groups/);
  expect(denied.stdout).toMatch(/3\. eng-read\s+not read/);

  const json = await run(['policy', 'explain', '--user', 'ann@acme.com', '--group', 'admins', '--group', 'eng', '--tool', 'github.delete_repo', '--json']);
  expect(JSON.parse(json.stdout)).toMatchObject({ decision: 'allow', rule: 'admins-all', pattern: '*', caller: { user: 'ann@acme.com', groups: ['admins', 'eng'] } });

  const byDefault = JSON.parse((await run(['policy', 'explain', '--user', 'bob@acme.com', '--prompt', 'glean.summarize', '--json'])).stdout) as { decision: string; rule: unknown };
  expect(byDefault).toMatchObject({ decision: 'deny', rule: null });
});

test('explain: a wrong question is a usage error naming the flag and the fix', async () => {
  const { run } = setup();
  const noUser = await run(['policy', 'explain', '--tool', 'github.search_code']);
  expect(noUser.code).toBe(2);
  expect(noUser.stderr).toContain('a team-mode proxy needs the caller');
  const badTool = await run(['policy', 'explain', '--user', 'a@b.co', '--tool', 'gthub.search_code']);
  expect(badTool.code).toBe(2);
  expect(badTool.stderr).toContain('--tool: no server named "gthub" is configured (configured: github, glean)');
  const unqualified = await run(['policy', 'explain', '--user', 'a@b.co', '--tool', 'search_code']);
  expect(unqualified.stderr).toContain('"search_code" is not server.name; write e.g. "github.search_code"');
});

test('test: every case holds (exit 0), a mismatch fails with the rule that decided (exit 1)', async () => {
  const { home, run } = setup();
  const cases = join(home, 'cases.yaml');
  writeFileSync(
    cases,
    [
      '- { user: ann@acme.com, groups: [eng], tool: github.search_code, expect: allow, rule: eng-read }',
      '- { user: ann@acme.com, groups: [eng], tool: github.delete_repo, expect: deny, rule: no-deletes }',
      '- { user: bob@acme.com, resource: "glean.file:///x", expect: deny, rule: null }',
    ].join('\n'),
  );
  const ok = await run(['policy', 'test', cases]);
  expect(ok.stdout).toContain('3 cases: 3 passed, 0 failed');
  expect(ok.code).toBe(0);

  writeFileSync(join(home, 'wrong.json'), JSON.stringify({ cases: [{ user: 'ann@acme.com', groups: ['eng'], tool: 'glean.delete_doc', expect: 'allow' }] }));
  const wrong = await run(['policy', 'test', join(home, 'wrong.json')]);
  expect(wrong.code).toBe(1);
  expect(wrong.stdout).toContain('FAIL  ann@acme.com [eng]: tool glean.delete_doc → expected allow, got deny by rule "no-deletes" ("*.delete_*") (case 1)');
  expect(wrong.stdout).toContain('1 case: 0 passed, 1 failed');
});

test('test: a file with mistakes is exit 2, each mistake with its row, field and fix, and no stack trace', async () => {
  const { home, run } = setup();
  const file = join(home, 'broken.json');
  writeFileSync(file, JSON.stringify([{ user: 'ann@acme.com', tool: 'github.x', expect: 'maybe' }, { user: 'ann@acme.com', expect: 'deny' }, { user: 'ann@acme.com', tool: 'github.x', expect: 'deny', rule: 'no-such-rule' }]));
  const broken = await run(['policy', 'test', file]);
  expect(broken.code).toBe(2);
  expect(broken.stderr).toContain(`${file}: cases[0].expect: must be "allow" or "deny"`);
  expect(broken.stderr).toContain(`${file}: cases[1].tool: name exactly one of "tool", "resource" or "prompt"`);
  expect(broken.stderr).not.toMatch(/\n\s+at /);

  const ruleTypo = join(home, 'rule.json');
  writeFileSync(ruleTypo, JSON.stringify([{ user: 'ann@acme.com', tool: 'github.x', expect: 'deny', rule: 'no-such-rule' }]));
  const typo = await run(['policy', 'test', ruleTypo]);
  expect(typo.code).toBe(2);
  expect(typo.stderr).toContain(`${ruleTypo}: cases[0].rule: the policy has no rule "no-such-rule"`);

  const notJson = join(home, 'bad.json');
  writeFileSync(notJson, '[{ "user": "ann@acme.com", ');
  const unreadable = await run(['policy', 'test', notJson]);
  expect(unreadable.code).toBe(2);
  expect(unreadable.stderr).toContain(`${notJson}: line 1`);
});

test('a policy with mistakes in the config: exit 2, each named by file and field with the fix', async () => {
  const { file, run } = setup({
    ...TEAM,
    policy: { default: 'maybe', rules: [{ id: 'a', deny: ['delete_repo'] }, { id: 'a', allow: ['gthub.search_*'] }, { id: 'b', when: { groups: 'eng' } }] },
  });
  const result = await run(['policy', 'explain', '--user', 'a@b.co', '--tool', 'github.x']);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`${file}: policy.default: must be "allow" (what no rule names is allowed) or "deny" (only what a rule allows)`);
  expect(result.stderr).toContain(`${file}: policy.rules.0.deny.0: "delete_repo" matches nothing: names are server.tool`);
  expect(result.stderr).toContain(`${file}: policy.rules.1.id: "a" is also the id of rule 1; give each rule its own id`);
  expect(result.stderr).toContain(`${file}: policy.rules.1.allow.0: "gthub.search_*" names the server "gthub", which is not configured (configured: github, glean)`);
  expect(result.stderr).toContain(`${file}: policy.rules.2.when.groups: must be a list of group names, e.g. ["eng", "admins"]`);
  expect(result.stderr).toContain(`${file}: policy.rules.2: a rule needs names in "allow" or "deny"`);
});

test('explain in local mode: the caller is the local user unless named', async () => {
  const { run } = setup({ servers: { github: { url: 'https://mcp.github.example/mcp', auth: { type: 'none' } } }, policy: { rules: [{ id: 'no-deletes', deny: ['*delete*'] }] } });
  const json = JSON.parse((await run(['policy', 'explain', '--tool', 'github.DeleteRepo', '--json'])).stdout) as Record<string, unknown>;
  expect(json).toMatchObject({ decision: 'deny', rule: 'no-deletes', caller: { user: 'local-user', method: 'local', groups: [] } });
  const allowed = await run(['policy', 'explain', '--tool', 'github.search_code']);
  expect(allowed.stdout).toContain('allow: tool github.search_code for local-user (groups: none; method: local)');
  expect(allowed.stdout).toContain('Decided by the default ("allow"): no rule for this caller names it.');
});
