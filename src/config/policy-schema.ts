// The config of the policy: who may use which tools, resources and prompts.
// Kept apart from schema.ts, which composes it into the one config schema;
// src/policy/ compiles it once per config.
import { z } from 'zod';

/** How a caller can have proved who it is; "local" is the user of a local-mode proxy. */
export const POLICY_METHODS = ['local', 'apiKey', 'jwt', 'proxyAssertion', 'trustedHeader'] as const;

/** Printable text without control characters: names are matched, and shown by `policy explain`. */
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;

const name = z
  .string({ error: 'must be a name in quotes such as "github.search_*", "glean.*" or "*.delete_*" (server.tool, server.prompt or server.resource-uri; * matches any text)' })
  .min(1, 'must not be empty; write e.g. "github.search_*"')
  .max(1024, 'must be at most 1024 characters')
  .regex(PRINTABLE, 'contains a control character; remove it');

const names = z.array(name, { error: 'must be a list of names, e.g. ["github.search_*", "glean.*"]' });

const who = (what: string, example: string) =>
  z
    .array(z.string().min(1, 'must not be empty').max(254).regex(PRINTABLE, 'contains a control character; remove it'), { error: `must be a list of ${what}, e.g. ${example}` })
    .min(1, `list at least one, e.g. ${example}, or leave the field out`);

const when = z
  .object(
    {
      users: who('emails (* matches any text)', '["ann@acme.com", "*@contractors.acme.com"]').optional().describe('callers by email; * matches any text'),
      groups: who('group names', '["eng", "admins"]').optional().describe('callers in any of these groups'),
      methods: z
        .array(z.enum(POLICY_METHODS, { error: `must be one of: ${POLICY_METHODS.map((m) => `"${m}"`).join(', ')}` }))
        .min(1, 'list at least one method, e.g. ["apiKey"], or leave the field out')
        .optional()
        .describe('how the caller proved who it is (local: the user of a local-mode proxy)'),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object such as { "groups": ["eng"] }' : undefined) },
  )
  .strict();

const rule = z
  .object(
    {
      id: z
        .string({ error: 'must be the rule\'s name in quotes, e.g. "no-deletes" (audit lines and `policy explain` show it)' })
        .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'must be a short name of letters, digits, ".", "_", ":" or "-", e.g. "no-deletes"'),
      when: when.optional().describe('which callers the rule is for: users or groups (either matches), and methods; absent: every caller'),
      allow: names.optional().describe('names the rule allows'),
      deny: names.optional().describe('names the rule denies (within one rule, deny is read before allow)'),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object such as { "id": "no-deletes", "deny": ["*.delete_*"] }' : undefined) },
  )
  .strict();

export const policySchema = z
  .object(
    {
      default: z
        .enum(['allow', 'deny'], { error: 'must be "allow" (what no rule names is allowed) or "deny" (only what a rule allows)' })
        .default('allow')
        .describe('the decision when no rule names the tool, resource or prompt for this caller'),
      rules: z.array(rule, { error: 'must be a list of rules such as [{ "id": "no-deletes", "deny": ["*.delete_*"] }]' }).default([]).describe('read in order: the first rule that is for the caller and names the thing decides'),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object such as { "default": "allow", "rules": [{ "id": "no-deletes", "deny": ["*.delete_*"] }] }' : undefined) },
  )
  .strict();

export type PolicyConfig = z.output<typeof policySchema>;
export type PolicyRuleConfig = PolicyConfig['rules'][number];

/**
 * Mistakes that span fields: a rule with no names, two rules with one id (explain and audit lines
 * could not tell them apart), and a name that can match nothing: no server
 * part, or a server part naming no configured server (a typo that would
 * silently leave a tool allowed).
 */
export function policyIssues(values: Record<string, unknown>): Array<{ path: string[]; message: string }> {
  const policy = values.policy as { rules?: unknown } | undefined;
  if (!policy || typeof policy !== 'object' || !Array.isArray(policy.rules)) return [];
  const servers = typeof values.servers === 'object' && values.servers !== null ? Object.keys(values.servers) : [];
  const issues: Array<{ path: string[]; message: string }> = [];
  const seen = new Map<string, number>();
  policy.rules.forEach((rule: unknown, i) => {
    if (!rule || typeof rule !== 'object') return;
    const { id, allow, deny } = rule as { id?: unknown; allow?: unknown; deny?: unknown };
    const named = (list: unknown) => (Array.isArray(list) ? list.length : 0);
    if (named(allow) + named(deny) === 0) issues.push({ path: ['policy', 'rules', String(i)], message: 'a rule needs names in "allow" or "deny", e.g. "deny": ["*.delete_*"]' });
    if (typeof id === 'string') {
      const first = seen.get(id);
      if (first !== undefined) issues.push({ path: ['policy', 'rules', String(i), 'id'], message: `"${id}" is also the id of rule ${first + 1}; give each rule its own id` });
      else seen.set(id, i);
    }
    for (const [field, list] of [['allow', allow], ['deny', deny]] as const) {
      if (!Array.isArray(list)) continue;
      list.forEach((pattern: unknown, j) => {
        if (typeof pattern !== 'string') return;
        const problem = patternProblem(pattern, servers);
        if (problem) issues.push({ path: ['policy', 'rules', String(i), field, String(j)], message: problem });
      });
    }
  });
  return issues;
}

function patternProblem(pattern: string, servers: string[]): string | undefined {
  const dot = pattern.indexOf('.');
  const star = pattern.indexOf('*');
  if (dot === -1 && star === -1) return `"${pattern}" matches nothing: names are server.tool (or server.prompt, server.resource-uri); write e.g. "*.${pattern}" or "${servers[0] ?? 'github'}.${pattern}"`;
  if (dot === -1 || (star !== -1 && star < dot)) return undefined;
  const server = pattern.slice(0, dot);
  if (servers.some((s) => s.toLowerCase() === server.toLowerCase())) return undefined;
  return `"${pattern}" names the server "${server}", which is not configured (configured: ${servers.length ? servers.join(', ') : 'none'}); fix the name, or write "*.${pattern.slice(dot + 1)}" for every server`;
}
