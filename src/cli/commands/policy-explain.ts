// `mcp-auth-proxy policy explain --user U [--group G]... --tool server.tool`:
// the decision the running proxy would make for that caller, and the rule
// that makes it, read from the same config the proxy loads.
import { loadConfig } from '../../config/load.js';
import { UsageError } from '../../errors.js';
import { explain, explanationText } from '../../policy/explain.js';
import type { PolicyKind } from '../../proxy/policy-step.js';
import { configWarnings, print, type CommandContext } from '../context.js';
import { callerOf, policyOf, targetOf } from '../policy-query.js';

export interface ExplainOptions {
  config?: string;
  user?: string;
  group?: string[];
  method?: string;
  tool?: string;
  resource?: string;
  prompt?: string;
  json?: boolean;
}

export async function policyExplain(ctx: CommandContext, options: ExplainOptions): Promise<void> {
  const asked = (['tool', 'resource', 'prompt'] as const).filter((kind) => options[kind] !== undefined);
  if (asked.length !== 1) throw new UsageError('Name one thing to explain: --tool, --resource or --prompt', 'e.g. `mcp-auth-proxy policy explain --user ann@acme.com --group eng --tool github.delete_repo`');
  const kind: PolicyKind = asked[0] as PolicyKind;
  const { config } = await loadConfig({ cwd: ctx.cwd, env: ctx.env, ...(options.config ? { configFile: options.config } : {}), warn: configWarnings(ctx) });
  const caller = callerOf(config, { user: options.user, groups: options.group, method: options.method });
  if (typeof caller === 'string') throw new UsageError(`--user/--method: ${caller}`, 'e.g. `--user ann@acme.com --group eng --method jwt`');
  const target = targetOf(config, kind, options[kind] as string);
  if (typeof target === 'string') throw new UsageError(`--${kind}: ${target}`);
  if (!config.policy) ctx.stderr.write('note: no "policy" is configured: everything is allowed.\n');
  const explanation = explain(policyOf(config), caller, kind, target.server, target.name);
  if (options.json) {
    print(ctx, JSON.stringify(explanation, null, 2));
    return;
  }
  for (const line of explanationText(explanation)) print(ctx, line);
}
