/**
 * faker → postgres through the `sync` CLI, the benchmark's pipeline at test size: typed tables, and a
 * destination SIGKILLed mid-run whose rerun ends exact.
 */
import { expect, it } from 'vitest';
import { fakeCustomer, hash32 } from '../packages/source-faker/src/index.ts';
import { cliEnv, runCli, startCli } from './support/cli.ts';
import { databaseUrl, freshSchema, query } from './support/database.ts';
import { killConnectorWhen } from './support/processes.ts';

const source = { count: 5000, streams: 2, state_every: 50, record_bytes: 400, seed: 'cli' };
const args = (schema: string) => [
  'run', '--source', 'faker', '--dest', 'postgres', '--pipeline', schema, '--plain',
  '--source-config', JSON.stringify(source), '--dest-config', JSON.stringify({ schema }),
];

async function expectExact(schema: string): Promise<void> {
  for (const stream of ['customers', 'customers_2']) {
    const [counts] = await query<{ n: number; ids: number }>(`select count(*)::int as n, count(distinct id)::int as ids from "${schema}"."${stream}"`);
    expect(counts).toEqual({ n: source.count, ids: source.count });
    const sample = await query<{ raw: Record<string, unknown>; created: Date; balance: string }>(
      `select _raw_data as raw, created, balance from "${schema}"."${stream}" where id = $1`,
      [fakeCustomer(hash32(`cli/${stream}`), 4321, source.record_bytes).id],
    );
    const expected = fakeCustomer(hash32(`cli/${stream}`), 4321, source.record_bytes);
    expect(sample[0]?.raw).toEqual(expected);
    expect(sample[0]?.created.getTime()).toBe((expected.created as number) * 1000);
    expect(sample[0]?.balance).toBe(String(expected.balance));
  }
}

it('sync run --source faker --dest postgres writes typed tables equal to the source', async () => {
  const schema = freshSchema('faker');
  const result = await runCli(args(schema), cliEnv({ DATABASE_URL: databaseUrl() }));
  expect(result.stderr).not.toMatch(/mismatch|disagree/);
  expect(result.exitCode).toBe(0);
  await expectExact(schema);
});

it('after the destination is SIGKILLed mid-run, the rerun ends exact', async () => {
  const schema = freshSchema('faker');
  const env = cliEnv({ DATABASE_URL: databaseUrl() });
  const first = startCli(args(schema), env);
  const crash = killConnectorWhen(first, 'destination-postgres', ({ checkpointLines }) => checkpointLines >= 1);
  const crashed = await first;
  expect(crash.killed()).toBe(true);
  expect(crashed.exitCode).toBe(1);
  const second = await runCli(args(schema), env);
  expect(second.exitCode).toBe(0);
  await expectExact(schema);
});
