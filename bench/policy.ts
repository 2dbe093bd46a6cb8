// The policy section, in-process: what one decision costs (the policy step
// on a tools/call body: reading it and deciding, as the proxy does it per
// request), and filtering a tools/list answer of 500 tools against 200 rules
// (the first list of a caller, when nothing is cached, and later ones).
// Wall time per operation, median of rounds; CPU-bound and synchronous.
import { policySchema, type PolicyConfig } from '../src/config/policy-schema.js';
import { compilePolicy } from '../src/policy/compile.js';
import { filterJson, LIST_METHODS } from '../src/proxy/list-filter.js';
import { checkPolicy } from '../src/proxy/policy-step.js';
import { median } from './stats.js';
import { table } from './table.js';

export interface PolicyRow {
  what: string;
  /** Median microseconds per operation. */
  us: number;
}

export interface PolicyResult {
  date: string;
  tools: number;
  rules: number;
  answerBytes: number;
  rows: PolicyRow[];
}

const TOOLS = 500;
const RULES = 200;
const SERVERS = 10;
const ROUNDS = 30;
const CALLS = 20_000;

/** 200 rules as a team writes them: per group and server, prefixes allowed and denied, a few for everyone. */
function rules(): PolicyConfig {
  const list: PolicyConfig['rules'] = [];
  for (let r = 0; r < RULES; r++) {
    const server = `srv${r % SERVERS}`;
    const group = `team-${r % 25}`;
    if (r % 20 === 0) list.push({ id: `everyone-${r}`, deny: [`*.delete_${r}_*`, `${server}.admin_${r}*`] });
    else list.push({ id: `rule-${r}`, when: { groups: [group] }, allow: [`${server}.read_${r % 40}_*`, `${server}.list_*`], deny: [`${server}.write_${r % 30}_*`] });
  }
  return policySchema.parse({ default: 'deny', rules: list });
}

const VERBS = ['read', 'list', 'write', 'delete', 'admin'];

/** One server's tools/list answer: 500 tools with a description and a small input schema each. */
function listAnswer(): Buffer {
  const tools = Array.from({ length: TOOLS }, (_, k) => ({
    name: `${VERBS[k % VERBS.length]}_${k % 40}_thing_${k}`,
    description: `Does ${VERBS[k % VERBS.length]} on thing ${k}; returns the result as text.`,
    inputSchema: { type: 'object', properties: { id: { type: 'string' }, limit: { type: 'integer' } }, required: ['id'] },
  }));
  return Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 7, result: { tools } }));
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) * 1000;
}

export function benchPolicy(): PolicyResult {
  const config = rules();
  const answer = listAnswer();
  const caller = { user: 'ann@acme.example', groups: ['team-3', 'team-7', 'team-11'], method: 'jwt' };
  const lists = new Map([[7, LIST_METHODS['tools/list']!]]);

  const cold: number[] = [];
  const warm: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    // A fresh policy (a reload): nothing cached for this caller.
    const policy = compilePolicy(config);
    const view = policy.forCaller(caller);
    const filter = { lists, keep: (name: string) => view.decide('srv3', name).allowed };
    const first = time(() => filterJson(answer, filter));
    const again = time(() => filterJson(answer, filter));
    if (round > 0) {
      cold.push(first);
      warm.push(again);
    }
  }

  const policy = compilePolicy(config);
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 42, method: 'tools/call', params: { name: 'read_3_thing_3', arguments: { id: 'x'.repeat(40), limit: 20 } } }));
  const headers = {};
  const step: number[] = [];
  const decide: number[] = [];
  const uncached: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const a = time(() => {
      for (let i = 0; i < CALLS; i++) checkPolicy(policy, caller, 'srv3', headers, body);
    });
    const view = policy.forCaller(caller);
    const b = time(() => {
      for (let i = 0; i < CALLS; i++) view.decide('srv3', 'read_3_thing_3');
    });
    // Each name once, on a fresh policy: the decision worked out from the rules.
    const fresh = compilePolicy(config).forCaller(caller);
    const c = time(() => {
      for (let i = 0; i < TOOLS; i++) fresh.decide('srv3', `read_${i % 40}_thing_${i}`);
    });
    if (round > 0) {
      step.push(a / CALLS);
      decide.push(b / CALLS);
      uncached.push(c / TOOLS);
    }
  }
  return {
    date: new Date().toISOString(),
    tools: TOOLS,
    rules: RULES,
    answerBytes: answer.length,
    rows: [
      { what: 'decision, worked out from the rules (first time for a name)', us: median(uncached) },
      { what: 'decision, known (later requests)', us: median(decide) },
      { what: 'policy step on a tools/call body (read it, decide)', us: median(step) },
      { what: `tools/list of ${TOOLS} tools vs ${RULES} rules, first for this caller`, us: median(cold) },
      { what: `tools/list of ${TOOLS} tools vs ${RULES} rules, later`, us: median(warm) },
    ],
  };
}

export function printPolicy(result: PolicyResult): void {
  console.log(`\n## policy: decision cost and list filtering (${result.tools} tools in a ${Math.round(result.answerBytes / 1024)} KiB answer, ${result.rules} rules), median of ${ROUNDS} rounds\n`);
  console.log(`${table(['what', 'time'], result.rows.map((r) => [r.what, r.us >= 100 ? `${(r.us / 1000).toFixed(3)} ms` : `${r.us.toFixed(2)} µs`]))}\n`);
}
