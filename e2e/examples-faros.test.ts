/**
 * A connector built on a third-party Airbyte CDK (npm `faros-airbyte-cdk`) runs in the engine unchanged:
 * its extra STATE-typed messages, compressed LEGACY state and banner-free logs are all taken as Airbyte
 * would take them, and the next run resumes from its state.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { cliEnv, repoRoot, runCli } from './support/cli.ts';
import { databaseUrl, freshSchema, query } from './support/database.ts';

const farosSource = `node ${join(repoRoot, 'examples/faros-source/source.js')}`;

it('syncs a faros-airbyte-cdk source, then resumes from its own state', async () => {
  const pipeline = freshSchema('p');
  const schema = freshSchema();
  const run = (count: number) =>
    runCli(
      ['run', '--source', farosSource, '--dest', 'postgres', '--pipeline', pipeline,
        '--source-config', JSON.stringify({ count }), '--dest-config', JSON.stringify({ schema })],
      cliEnv({ DATABASE_URL: databaseUrl() }),
    );

  const first = await run(40);
  expect(first.stderr).not.toMatch(/error|warning/i);
  expect(first.exitCode).toBe(0);
  expect(first.stdout).toMatch(/widgets\s+40\s+40\s+complete/);

  const second = await run(55);
  expect(second.exitCode).toBe(0);
  // Only the 15 widgets newer than the saved cursor are read again.
  expect(second.stdout).toMatch(/widgets\s+15\s+15\s+complete/);
  const rows = await query<{ n: string; ids: string }>(`select count(*) as n, count(distinct id) as ids from "${schema}".widgets`);
  expect(rows[0]).toEqual({ n: '55', ids: '55' });
});
