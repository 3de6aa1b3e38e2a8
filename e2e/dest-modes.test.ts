/**
 * `sync run --dest-mode`: how the destination writes, chosen on the command line. Overwrite replaces a
 * table only when its read completes; append keeps every version; a mode the destination lacks fails
 * before anything is written.
 */
import { expect, it } from 'vitest';
import { fakeCustomer, hash32 } from '../packages/source-faker/src/index.ts';
import { cliEnv, runCli, startCli } from './support/cli.ts';
import { databaseUrl, freshSchema, query } from './support/database.ts';
import { killConnectorWhen } from './support/processes.ts';

const faker = (count: number, seed: string) => ({ count, streams: 1, state_every: 50, record_bytes: 200, seed });
const args = (schema: string, source: object, mode?: string) => [
  'run', '--source', 'faker', '--dest', 'postgres', '--pipeline', schema, '--plain',
  '--source-config', JSON.stringify(source), '--dest-config', JSON.stringify({ schema }),
  ...(mode ? ['--dest-mode', mode] : []),
];

async function rows(schema: string): Promise<{ n: number; ids: number }> {
  const [counts] = await query<{ n: number; ids: number }>(`select count(*)::int as n, count(distinct id)::int as ids from "${schema}".customers`);
  return counts!;
}

/** Whether customer `index` of the faker run with `seed` is in the table. */
async function holds(schema: string, seed: string, index: number): Promise<boolean> {
  const id = fakeCustomer(hash32(`${seed}/customers`), index, 200).id;
  return (await query(`select 1 from "${schema}".customers where id = $1`, [id])).length === 1;
}

it('overwrite replaces the table with the new read, and a killed overwrite leaves the old table whole', async () => {
  const schema = freshSchema('overwrite');
  const env = cliEnv({ DATABASE_URL: databaseUrl() });
  expect((await runCli(args(schema, faker(3000, 'first')), env)).exitCode).toBe(0);
  expect(await rows(schema)).toEqual({ n: 3000, ids: 3000 });
  expect(await holds(schema, 'first', 2999)).toBe(true);

  // Killed as soon as records flow (an overwrite acknowledges nothing before its swap): the old table stays.
  const killed = startCli(args(schema, faker(50_000, 'second'), 'overwrite'), env);
  const crash = killConnectorWhen(killed, 'destination-postgres', ({ startedStreams }) => startedStreams.has('customers'));
  expect((await killed).exitCode).toBe(1);
  expect(crash.killed()).toBe(true);
  expect(await rows(schema)).toEqual({ n: 3000, ids: 3000 });
  expect(await holds(schema, 'second', 0)).toBe(false);

  const replaced = await runCli(args(schema, faker(2000, 'second'), 'overwrite'), env);
  expect(replaced.exitCode, replaced.stderr).toBe(0);
  expect(await rows(schema)).toEqual({ n: 2000, ids: 2000 });
  expect(await holds(schema, 'second', 1999)).toBe(true);
  expect(await holds(schema, 'first', 2999)).toBe(false);
});

it('append keeps every version: a full refresh twice doubles the rows', async () => {
  const schema = freshSchema('append');
  const env = cliEnv({ DATABASE_URL: databaseUrl() });
  for (let i = 0; i < 2; i++) {
    const result = await runCli([...args(schema, faker(500, 'append'), 'append'), '--full-refresh'], env);
    expect(result.exitCode, result.stderr).toBe(0);
  }
  expect(await rows(schema)).toEqual({ n: 1000, ids: 500 });
});

it('an unknown mode, or one the destination lacks, fails with one clear line and writes nothing', async () => {
  const schema = freshSchema('badmode');
  const env = cliEnv({ DATABASE_URL: databaseUrl() });
  const unknown = await runCli(args(schema, faker(10, 'x'), 'upsert'), env);
  expect(unknown.exitCode).toBe(1);
  expect(unknown.stderr).toMatch(/^sync: error: --dest-mode must be one of append_dedup, append, overwrite \(got 'upsert'\)$/m);

  const sheets = {
    spreadsheet_id: 'never-reached',
    api_base_url: 'http://127.0.0.1:9/',
    credentials: { auth_type: 'oauth2', client_id: 'client-id', client_secret: 'client-secret', refresh_token: 'refresh-token' },
  };
  const lacking = await runCli(
    ['run', '--source', 'faker', '--dest', 'google-sheets', '--pipeline', schema, '--plain', '--dest-mode', 'overwrite',
      '--source-config', JSON.stringify(faker(10, 'x')), '--dest-config', JSON.stringify(sheets)],
    env,
  );
  expect(lacking.exitCode).toBe(1);
  expect(lacking.stderr).toMatch(/^sync: error: destination-google-sheets: the configured catalog asks for a sync mode this destination lacks for stream customers \(overwrite\); it supports append, append_dedup$/m);
  expect(await query(`select 1 from information_schema.schemata where schema_name = $1`, [schema])).toEqual([]);
});
