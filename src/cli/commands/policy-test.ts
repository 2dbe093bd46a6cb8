// `mcp-auth-proxy policy test FILE`: checks a table of expected decisions
// against the configured policy, for CI: exit 0 when every case holds, 1 on
// any mismatch (each one shown with the rule that decided), 2 when the file
// itself has a mistake.
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../../config/load.js';
import { EXIT_FAILURE, ReportedError, UsageError } from '../../errors.js';
import { explain, type Explanation } from '../../policy/explain.js';
import { parseTable, type TestCase } from '../../policy/table.js';
import type { PolicyKind } from '../../proxy/policy-step.js';
import { configWarnings, print, type CommandContext } from '../context.js';
import { callerOf, policyOf, targetOf } from '../policy-query.js';

export interface PolicyTestOptions {
  config?: string;
  json?: boolean;
}

interface Outcome {
  row: number;
  case: TestCase;
  passed: boolean;
  got: Pick<Explanation, 'decision' | 'rule' | 'pattern'>;
}

export async function policyTest(ctx: CommandContext, file: string, options: PolicyTestOptions): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read the policy test file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'Pass the path of a JSON or YAML file of cases');
  }
  const { config } = await loadConfig({ cwd: ctx.cwd, env: ctx.env, ...(options.config ? { configFile: options.config } : {}), warn: configWarnings(ctx) });
  const parsed = parseTable(file, text);
  if ('problems' in parsed) throw tableError(parsed.problems);
  // Each row is checked against the config before anything runs: a typo in a row is a mistake in the file, not a failed case.
  const problems: string[] = [];
  const questions = parsed.cases.map((row, k) => {
    const kind: PolicyKind = row.tool !== undefined ? 'tool' : row.resource !== undefined ? 'resource' : 'prompt';
    const caller = callerOf(config, { user: row.user, groups: row.groups, method: row.method });
    const target = targetOf(config, kind, (row.tool ?? row.resource ?? row.prompt) as string);
    if (typeof caller === 'string') problems.push(`${file}: cases[${k}]: ${caller}`);
    if (typeof target === 'string') problems.push(`${file}: cases[${k}].${kind}: ${target}`);
    if (row.rule != null && !config.policy?.rules.some((rule) => rule.id === row.rule)) problems.push(`${file}: cases[${k}].rule: the policy has no rule "${row.rule}" (use null for the default)`);
    return { kind, caller, target };
  });
  if (problems.length > 0) throw tableError(problems);
  if (!config.policy) ctx.stderr.write('note: no "policy" is configured: everything is allowed.\n');

  const policy = policyOf(config);
  const outcomes: Outcome[] = parsed.cases.map((row, k) => {
    const { kind, caller, target } = questions[k] as { kind: PolicyKind; caller: Exclude<ReturnType<typeof callerOf>, string>; target: { server: string; name: string } };
    const got = explain(policy, caller, kind, target.server, target.name);
    const passed = got.decision === row.expect && (row.rule === undefined || row.rule === got.rule);
    return { row: k, case: row, passed, got: { decision: got.decision, rule: got.rule, pattern: got.pattern } };
  });
  const failed = outcomes.filter((o) => !o.passed).length;
  if (options.json) print(ctx, JSON.stringify({ file, passed: outcomes.length - failed, failed, cases: outcomes }, null, 2));
  else {
    for (const o of outcomes) print(ctx, line(o));
    print(ctx, `${outcomes.length} case${outcomes.length === 1 ? '' : 's'}: ${outcomes.length - failed} passed, ${failed} failed`);
  }
  if (failed > 0) throw new ReportedError(EXIT_FAILURE);
}

function line(o: Outcome): string {
  const c = o.case;
  const what = c.tool !== undefined ? `tool ${c.tool}` : c.resource !== undefined ? `resource ${c.resource}` : `prompt ${c.prompt}`;
  const who = `${c.user ?? 'local-user'}${c.groups?.length ? ` [${c.groups.join(', ')}]` : ''}${c.method ? ` via ${c.method}` : ''}`;
  const by = o.got.rule === null ? 'the default' : `rule "${o.got.rule}" ("${o.got.pattern}")`;
  if (o.passed) return `ok    ${who}: ${what} → ${o.got.decision} by ${by}`;
  const expected = `${c.expect}${c.rule === undefined ? '' : c.rule === null ? ' by the default' : ` by rule "${c.rule}"`}`;
  return `FAIL  ${who}: ${what} → expected ${expected}, got ${o.got.decision} by ${by} (case ${o.row + 1})`;
}

function tableError(problems: string[]): UsageError {
  return new UsageError(`The policy test file has ${problems.length === 1 ? 'a mistake' : `${problems.length} mistakes`}:\n${problems.map((p) => `  ${p}`).join('\n')}`, 'Each case is { "user": "ann@acme.com", "groups": ["eng"], "tool": "github.search_code", "expect": "allow", "rule": "eng-read" } (rule optional; resource or prompt instead of tool)');
}
