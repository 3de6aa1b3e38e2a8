/** The outcome of a suite: one entry per check, printed as a report a person can act on. */
import type { ConnectorRole } from '@sync/engine';

export interface CheckResult {
  /** What was checked, e.g. `read: records match their stream's json_schema`. */
  name: string;
  /** What went wrong; empty when the check passed. */
  problems: string[];
  /**
   * Why the check could not apply to this connector (e.g. `conformance.json says "inputAbort": false`).
   * A check that is not supported has no problems and does not fail the suite.
   */
  notSupported?: string;
}

export interface SuiteReport {
  connector: string;
  /** What the connector is (the conformance file's `kind`). */
  kind: ConnectorRole;
  checks: CheckResult[];
}

export const passed = (report: SuiteReport): boolean => report.checks.every((c) => c.problems.length === 0);

/**
 * The report as text: `✓`/`✗` per check (`-` with the reason for a check that is not supported), at
 * most 5 problems under each failure, then a summary line `N passed, N failed[, N not supported]`.
 */
export function formatReport(report: SuiteReport): string {
  const out = [`Conformance of ${report.kind} ${report.connector}`, ''];
  for (const check of report.checks) {
    if (check.notSupported !== undefined && check.problems.length === 0) {
      out.push(`  - ${check.name}`, `      not supported: ${check.notSupported}`);
      continue;
    }
    out.push(`  ${check.problems.length === 0 ? '✓' : '✗'} ${check.name}`);
    for (const problem of check.problems.slice(0, 5)) out.push(`      ${problem}`);
    if (check.problems.length > 5) out.push(`      … and ${check.problems.length - 5} more`);
  }
  const failed = report.checks.filter((c) => c.problems.length > 0).length;
  const unsupported = report.checks.filter((c) => c.notSupported !== undefined && c.problems.length === 0).length;
  const summary = `${report.checks.length - failed - unsupported} passed, ${failed} failed${unsupported > 0 ? `, ${unsupported} not supported` : ''}`;
  out.push('', summary);
  return `${out.join('\n')}\n`;
}
