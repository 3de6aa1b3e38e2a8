/**
 * Every built-in connector and every example passes the conformance suite (the same one as
 * `sync connector test -- <command…>`), with the conformance.json next to it, durability checks
 * included: sources stopped right after a STATE and resumed lose no primary key; destinations keep
 * what they acknowledged through a SIGKILL and commit nothing after a TRACE ERROR on their input.
 * Adding a connector is one line in `connectors`.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, passed, testConnector } from '../packages/connector-test/src/index.ts';
import { cliEnv, repoRoot } from './support/cli.ts';
import { databaseUrl } from './support/database.ts';

/** The command, and the checks its conformance.json declares not supported (none for our own connectors). */
const connectors: Array<{ command: string[]; notSupported?: RegExp[] }> = [
  { command: ['node', 'packages/source-stripe/bin/source-stripe.js'] },
  { command: ['node', 'packages/source-faker/bin/source-faker.js'] },
  { command: ['node', 'packages/destination-postgres/bin/destination-postgres.js'] },
  { command: ['node', 'packages/destination-google-sheets/bin/destination-google-sheets.js'] },
  { command: ['node', 'packages/connector-kit/example/stripe-customers.ts'] },
  { command: ['python3', 'examples/python-source/source.py'] },
  { command: ['sh', 'examples/shell-source/source.sh'] },
  // A third-party CDK: its STATEs carry no sourceStats (optional in the Airbyte protocol).
  { command: ['node', 'examples/faros-source/source.js'], notSupported: [/^read: sourceStats\.recordCount/] },
];

const DURABILITY = /^read stopped \(SIGKILL\) right after a STATE|^write: once a STATE is acknowledged|^write: after a TRACE ERROR on its input/;

describe('conformance suite', () => {
  for (const { command, notSupported = [] } of connectors) {
    it(command.join(' '), async () => {
      const report = await testConnector({ command, cwd: repoRoot, env: cliEnv({ DATABASE_URL: databaseUrl() }) });
      expect(passed(report), formatReport(report)).toBe(true);
      expect(report.checks.length).toBeGreaterThanOrEqual(9);
      const skipped = report.checks.filter((c) => c.notSupported !== undefined).map((c) => c.name);
      expect(skipped.length, formatReport(report)).toBe(notSupported.length);
      for (const pattern of notSupported) expect(skipped.some((name) => pattern.test(name)), formatReport(report)).toBe(true);
      // The durability checks ran: one for a source, two for a destination.
      expect(report.checks.filter((c) => DURABILITY.test(c.name) && c.notSupported === undefined)).toHaveLength(report.kind === 'source' ? 1 : 2);
    }, 180_000); // a suite runs its connector a dozen times or more, one after the other
  }
});
