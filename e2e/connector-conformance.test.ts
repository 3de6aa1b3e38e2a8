/**
 * Every built-in connector and every example passes the conformance suite (the same one as
 * `sync connector test -- <command…>`), with the conformance.json next to it. Adding a connector is
 * one line in `connectors`.
 */
import { describe, expect, it } from 'vitest';
import { formatReport, passed, testConnector } from '../packages/connector-test/src/index.ts';
import { cliEnv, repoRoot } from './support/cli.ts';
import { databaseUrl } from './support/database.ts';

const connectors: string[][] = [
  ['node', 'packages/source-stripe/bin/source-stripe.js'],
  ['node', 'packages/destination-postgres/bin/destination-postgres.js'],
  ['python3', 'examples/python-source/source.py'],
  ['sh', 'examples/shell-source/source.sh'],
  ['node', 'packages/connector-kit/example/stripe-customers.ts'],
  ['node', 'packages/source-faker/bin/source-faker.js'],
];

describe('conformance suite', () => {
  for (const command of connectors) {
    it(command.join(' '), async () => {
      const report = await testConnector({ command, cwd: repoRoot, env: cliEnv({ DATABASE_URL: databaseUrl() }) });
      expect(passed(report), formatReport(report)).toBe(true);
      expect(report.checks.length).toBeGreaterThanOrEqual(7);
    });
  }
});
