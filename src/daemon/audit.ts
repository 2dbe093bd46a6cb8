// The audit log's life in the daemon: opened at start when the config turns
// it on (its modules load only then), swapped on reload when its settings
// change, closed at stop. Failures to write are logged, never thrown.
import type { Config } from '../config/schema.js';
import type { Logger } from '../observability/logger.js';
import type { Redactor } from '../observability/redact.js';
import type { Audit } from '../proxy/record.js';

export interface AuditOptions {
  /** The state directory (audit.jsonl goes there). */
  dir: string;
  redactor: Redactor;
  logger: Logger;
}

export async function openAudit(config: Config, options: AuditOptions): Promise<Audit | undefined> {
  const settings = config.audit;
  if (!settings?.enabled) return undefined;
  const [{ createAuditLog, AUDIT_FILE }, { createOutcomesTap }] = await Promise.all([import('../observability/audit.js'), import('../observability/tool-outcome.js')]);
  const log = createAuditLog({
    dir: options.dir,
    maxBytes: settings.maxBytes,
    keep: settings.keep,
    includeArguments: settings.arguments,
    redactor: options.redactor,
    onError: (error) => options.logger.error('cannot write the audit log; tool calls are counted and the gap is noted once writing works again', { file: `${options.dir}/${AUDIT_FILE}`, error: error.message }),
  });
  options.logger.info('audit log on', { file: `${options.dir}/${AUDIT_FILE}`, arguments: settings.arguments });
  return { log, outcomes: createOutcomesTap };
}

/** Whether a reload changes the audit settings (else the open log is kept). */
export function auditChanged(before: Config, after: Config): boolean {
  return JSON.stringify(before.audit ?? null) !== JSON.stringify(after.audit ?? null);
}
