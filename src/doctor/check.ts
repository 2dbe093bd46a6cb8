// One named doctor check: pass, warn or fail, what was seen, and a one-line hint.

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  hint?: string;
}

export const pass = (name: string, detail: string): CheckResult => ({ name, status: 'pass', detail });
export const warn = (name: string, detail: string, hint?: string): CheckResult => ({ name, status: 'warn', detail, ...(hint ? { hint } : {}) });
export const fail = (name: string, detail: string, hint?: string): CheckResult => ({ name, status: 'fail', detail, ...(hint ? { hint } : {}) });
