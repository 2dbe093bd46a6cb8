// Why the policy decides what it does for one caller and one name: the
// decision (from the same compiled policy the proxy uses) and, rule by
// rule, whether the rule is for the caller, whether it names the thing, and
// which one decided. `policy explain` and `policy test` print this.
import type { PolicyKind } from '../proxy/policy-step.js';
import { matchingEntry, ruleMismatch, type Caller, type Policy } from './compile.js';

export type RuleStatus = 'decides' | 'not-for-caller' | 'no-match' | 'not-read';

export interface Explanation {
  kind: PolicyKind;
  server: string;
  name: string;
  decision: 'allow' | 'deny';
  /** The rule that decided; null: the default. */
  rule: string | null;
  pattern: string | null;
  default: 'allow' | 'deny';
  caller: Caller;
  rules: Array<{ id: string; position: number; status: RuleStatus; reason?: string; pattern?: string; effect?: 'allow' | 'deny' }>;
}

export function explain(policy: Policy, caller: Caller, kind: PolicyKind, server: string, name: string): Explanation {
  const decided = policy.forCaller(caller).decide(server, name);
  const qualified = `${server}.${name}`.toLowerCase();
  let done = false;
  const rules = policy.rules.map((rule) => {
    const base = { id: rule.id, position: rule.index + 1 };
    if (done) return { ...base, status: 'not-read' as const };
    const mismatch = ruleMismatch(rule, caller);
    if (mismatch) return { ...base, status: 'not-for-caller' as const, reason: mismatch };
    const entry = matchingEntry(rule, qualified);
    if (!entry) return { ...base, status: 'no-match' as const, reason: `no name in allow or deny matches ${server}.${name}` };
    done = true;
    return { ...base, status: 'decides' as const, pattern: entry.pattern, effect: entry.allowed ? ('allow' as const) : ('deny' as const) };
  });
  return {
    kind,
    server,
    name,
    decision: decided.allowed ? 'allow' : 'deny',
    rule: decided.rule ?? null,
    pattern: decided.pattern ?? null,
    default: policy.defaultDecision.allowed ? 'allow' : 'deny',
    caller,
    rules,
  };
}

/** The explanation as lines for a person. */
export function explanationText(e: Explanation): string[] {
  const who = `${e.caller.user} (groups: ${e.caller.groups.length ? e.caller.groups.join(', ') : 'none'}; method: ${e.caller.method})`;
  const lines = [`${e.decision}: ${e.kind} ${e.server}.${e.name} for ${who}`];
  lines.push(e.rule === null ? `Decided by the default ("${e.default}"): no rule for this caller names it.` : `Decided by rule "${e.rule}": ${e.decision} "${e.pattern}".`);
  if (e.rules.length === 0) return [...lines, 'The policy has no rules.'];
  lines.push('', `Rules are read in order; the first that is for the caller and names the ${e.kind} decides (within a rule, deny before allow); if none does, the default ("${e.default}").`);
  const width = Math.max(...e.rules.map((r) => r.id.length));
  for (const r of e.rules) {
    const what =
      r.status === 'decides'
        ? `decides: ${r.effect} "${r.pattern}"`
        : r.status === 'not-read'
          ? 'not read (an earlier rule decided)'
          : `${r.status === 'not-for-caller' ? 'not for this caller' : 'for this caller, names nothing here'}: ${r.reason}`;
    lines.push(`  ${String(r.position).padStart(2)}. ${r.id.padEnd(width)}  ${what}`);
  }
  return lines;
}
