// The file `policy test` reads: a table of questions to the policy and the
// answers expected (JSON or YAML), for CI. Every mistake in it is reported
// at once, each with its row and field and what to write instead.
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { POLICY_METHODS } from '../config/policy-schema.js';

const testCase = z
  .object(
    {
      user: z.string({ error: 'must be the caller\'s email in quotes' }).min(1, 'must not be empty').optional(),
      groups: z.array(z.string(), { error: 'must be a list of group names, e.g. ["eng"]' }).optional(),
      method: z.enum(POLICY_METHODS, { error: `must be one of: ${POLICY_METHODS.map((m) => `"${m}"`).join(', ')}` }).optional(),
      tool: z.string({ error: 'must be server.tool in quotes, e.g. "github.search_code"' }).optional(),
      resource: z.string({ error: 'must be server.uri in quotes, e.g. "github.file:///notes.md"' }).optional(),
      prompt: z.string({ error: 'must be server.prompt in quotes, e.g. "github.summarize"' }).optional(),
      expect: z.enum(['allow', 'deny'], { error: 'must be "allow" or "deny"' }),
      rule: z.string({ error: 'must be the id of the rule expected to decide, or null for the default' }).nullable().optional(),
    },
    { error: (issue) => (issue.code === 'invalid_type' ? 'must be an object such as { "user": "ann@acme.com", "tool": "github.delete_repo", "expect": "deny" }' : undefined) },
  )
  .strict()
  .refine((c) => [c.tool, c.resource, c.prompt].filter((v) => v !== undefined).length === 1, { message: 'name exactly one of "tool", "resource" or "prompt"', path: ['tool'] });

const table = z.preprocess(
  (value) => (Array.isArray(value) ? { cases: value } : value),
  z
    .object(
      { cases: z.array(testCase, { error: 'must be a list of cases' }).min(1, 'list at least one case') },
      { error: (issue) => (issue.code === 'invalid_type' ? 'must be a list of cases, or { "cases": [...] }' : undefined) },
    )
    .strict(),
);

export type TestCase = z.output<typeof testCase>;

/** The cases in `text` (the contents of `file`), or every problem with it as `file: where: what`. */
export function parseTable(file: string, text: string): { cases: TestCase[] } | { problems: string[] } {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    return { problems: document.errors.map((error) => `${file}: ${error.linePos ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}: ` : ''}${error.message.split('\n')[0]}`) };
  }
  const parsed = table.safeParse(document.toJS());
  if (parsed.success) return { cases: parsed.data.cases };
  return { problems: parsed.error.issues.map((issue) => `${file}: ${where(issue.path)}: ${issue.message}`) };
}

function where(path: PropertyKey[]): string {
  if (path.length === 0) return '(the whole file)';
  return path.map((part, k) => (typeof part === 'number' ? `[${part}]` : `${k === 0 ? '' : '.'}${String(part)}`)).join('');
}
