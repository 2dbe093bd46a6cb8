// `mcp-auth-proxy doctor`: named checks, each pass/warn/fail with a hint,
// shown as they finish; --json for scripts; exit 1 if any check fails.
import { runDoctor } from '../../doctor/run.js';
import type { CheckResult } from '../../doctor/check.js';
import { ReportedError } from '../../errors.js';
import { print, type CommandContext } from '../context.js';

const MARK = { pass: '✓', warn: '!', fail: '✗' } as const;

export async function doctor(ctx: CommandContext, options: { config?: string; listen?: string; json?: boolean }): Promise<void> {
  const results = await runDoctor({
    cwd: ctx.cwd,
    env: ctx.env,
    redactor: ctx.redactor,
    ...(options.config ? { configFile: options.config } : {}),
    ...(options.listen ? { listen: options.listen } : {}),
    report: (result: CheckResult) => {
      if (options.json) return;
      print(ctx, `${MARK[result.status]} ${result.name}: ${result.detail}`);
      if (result.hint && result.status !== 'pass') print(ctx, `    → ${result.hint}`);
    },
  });
  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  if (options.json) print(ctx, JSON.stringify({ ok: failed === 0, checks: results }, null, 2));
  else print(ctx, `\n${failed ? `${failed} failed` : 'all passed'}${warned ? `, ${warned} warning${warned > 1 ? 's' : ''}` : ''}.`);
  if (failed) throw new ReportedError(1);
}
