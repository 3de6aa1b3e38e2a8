/** The outcome of a suite: one entry per check, printed as a report a person can act on. */

export interface CheckResult {
  /** What was checked, e.g. `read: records match their stream's json_schema`. */
  name: string;
  /** What went wrong; empty when the check passed. */
  problems: string[];
}

export interface SuiteReport {
  connector: string;
  kind: 'source' | 'destination';
  checks: CheckResult[];
}

export const passed = (report: SuiteReport): boolean => report.checks.every((c) => c.problems.length === 0);

/**
 * The report as text: `✓`/`✗` per check, at most 5 problems under each failure, then a summary line
 * `N passed, N failed`.
 */
export function formatReport(report: SuiteReport): string {
  const out = [`Conformance of ${report.kind} ${report.connector}`, ''];
  for (const check of report.checks) {
    out.push(`  ${check.problems.length === 0 ? '✓' : '✗'} ${check.name}`);
    for (const problem of check.problems.slice(0, 5)) out.push(`      ${problem}`);
    if (check.problems.length > 5) out.push(`      … and ${check.problems.length - 5} more`);
  }
  const failed = report.checks.filter((c) => c.problems.length > 0).length;
  out.push('', `${report.checks.length - failed} passed, ${failed} failed`);
  return `${out.join('\n')}\n`;
}
