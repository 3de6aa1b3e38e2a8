/**
 * The secret key, as a user meets it: a token a connector hands over (CONTROL) is stored encrypted
 * under the key file created in SYNC_HOME (0600); `sync secrets rotate-key` moves it to a new key
 * (plaintext rows of an older version too); a wrong key is a clear error naming the key needed;
 * SYNC_SECRET_KEY rotates as NEW,OLD then NEW; `sync secrets forget` is the way out of a lost key.
 * In a database of its own: a rotation re-encrypts every row of the state store.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { keyId } from '@sync/state-postgres';
import { cliEnv, repoRoot, runCli } from './support/cli.ts';
import { databaseUrl, freshSchema, query } from './support/database.ts';

const leakySource = `node ${join(repoRoot, 'e2e/fixtures/leaky-source.mjs')}`;
const home = await mkdtemp(join(tmpdir(), 'sync-secrets-rotate-'));
const keyFile = join(home, 'secret.key');
const database = `secrets_rotate_${randomBytes(4).toString('hex')}`;
let url: string;
const pipeline = 'rotating';

/** A query on this test's own database. */
async function own<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
const sealedKeyIds = async () =>
  (await own<{ sealed_changes: string | null }>('select sealed_changes from sync.connector_config_updates order by pipeline_id, role')).map(
    (r) => r.sealed_changes?.split('.')[1] ?? 'plaintext',
  );
const fileKeys = async () => (await readFile(keyFile, 'utf8')).split('\n').filter((line) => line && !line.startsWith('#'));
const idOf = (base64: string) => keyId(Buffer.from(base64, 'base64'));

const sync = (args: string[], extra: Record<string, string> = {}) => runCli(args, cliEnv({ DATABASE_URL: url, SYNC_HOME: home, ...extra }));
const run = async (extra: Record<string, string> = {}) => {
  const config = join(home, 'source.json');
  await writeFile(config, JSON.stringify({ api_token: 'tok_original', credentials: { method: 'none' }, rotate_to: 'tok_handed_over' }), { mode: 0o600 });
  return sync(['run', '--source', leakySource, '--dest', 'postgres', '--pipeline', pipeline, '--source-config', config, '--dest-config', JSON.stringify({ schema: freshSchema('rot') }), '--plain'], extra);
};

beforeAll(async () => {
  await query(`create database ${database}`);
  const own = new URL(databaseUrl());
  own.pathname = `/${database}`;
  url = own.toString();
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await query(`drop database if exists ${database} with (force)`);
});

it('stores a handed-over token under a new 0600 key file, rotates it, and reads it back', async () => {
  const first = await run();
  expect(first.stderr).toMatch(/changed its config \(api_token, leaked_note\); saved for the next runs/);
  expect(first.exitCode).toBe(0);
  expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  const [original] = await fileKeys();
  expect(await sealedKeyIds()).toEqual([idOf(original!)]);

  // A plaintext row, as an older version wrote it: rotation encrypts it too.
  await own("insert into sync.pipelines (id, source, destination) values ('legacy', 's', 'd')");
  await own(`insert into sync.connector_config_updates (pipeline_id, role, connector, changes) values ('legacy', 'source', 's', '{"refresh_token":"plain-legacy"}')`);
  const rotated = await sync(['secrets', 'rotate-key']);
  expect(rotated.exitCode).toBe(0);
  const keys = await fileKeys();
  expect(keys).toHaveLength(1);
  expect(keys[0]).not.toBe(original);
  expect(rotated.stderr).toContain(`new key ${idOf(keys[0]!)} in ${keyFile} (old keys removed): 1 re-encrypted, 1 encrypted for the first time`);
  expect(await sealedKeyIds()).toEqual([idOf(keys[0]!), idOf(keys[0]!)]);
  expect(JSON.stringify(await own('select * from sync.connector_config_updates'))).not.toMatch(/plain-legacy|tok_handed_over/);

  const second = await run();
  expect(second.exitCode).toBe(0);
  expect(second.stderr).toMatch(/using config saved by an earlier run \(api_token, leaked_note\)/);
});

it('a wrong key is a clear error naming the key needed; SYNC_SECRET_KEY rotates as NEW,OLD then NEW', async () => {
  const [current] = await fileKeys();
  const wrong = randomBytes(32).toString('base64');
  const refused = await run({ SYNC_SECRET_KEY: wrong });
  expect(refused.exitCode).toBe(1);
  expect(refused.stderr).toContain(`sync: error: cannot read the source config saved for pipeline "${pipeline}"`);
  expect(refused.stderr).toContain(`was encrypted with key ${idOf(current!)}, which SYNC_SECRET_KEY does not hold (it holds ${idOf(wrong)})`);
  expect(refused.stderr).not.toContain(wrong);

  const rotated = await sync(['secrets', 'rotate-key'], { SYNC_SECRET_KEY: `${wrong},${current}` });
  expect(rotated.exitCode).toBe(0);
  expect(rotated.stderr).toMatch(/stored secrets are now under key \w+, the first of SYNC_SECRET_KEY: 2 re-encrypted/);
  expect(rotated.stderr).toContain('now set SYNC_SECRET_KEY to that first key alone');
  expect(await sealedKeyIds()).toEqual([idOf(wrong), idOf(wrong)]);
  const after = await run({ SYNC_SECRET_KEY: wrong });
  expect(after.exitCode).toBe(0);
  expect(after.stderr).toMatch(/using config saved by an earlier run/);
});

it('a lost key: the error says how out, and sync secrets forget takes it', async () => {
  const lost = await run();
  expect(lost.exitCode).toBe(1);
  expect(lost.stderr).toMatch(/which .*secret\.key does not hold/);
  await rm(keyFile);
  const missing = await run();
  expect(missing.exitCode).toBe(1);
  expect(missing.stderr).toMatch(/there is no key: SYNC_SECRET_KEY is unset and .*secret\.key does not exist.*sync secrets forget --pipeline rotating/);
  const forgot = await sync(['secrets', 'forget', '--pipeline', pipeline]);
  expect(forgot.stderr).toContain(`removed the saved config of 1 connector(s) of pipeline ${pipeline}`);
  expect((await run()).exitCode).toBe(0);
});
