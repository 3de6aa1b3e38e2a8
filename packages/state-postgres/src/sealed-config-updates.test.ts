import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { keyId } from './secret-box.ts';
import { secretKeySource } from './secret-key.ts';
import { StateStore } from './state-store.ts';
import { dropSchema, randomSchema } from './test-schema.ts';

const url = inject('databaseUrl');
const schema = randomSchema('test_sealed');
const dir = await mkdtemp(join(tmpdir(), 'sealed-test-'));
const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const stores: StateStore[] = [];

async function open(keys: Parameters<typeof secretKeySource>[0] | undefined): Promise<StateStore> {
  const store = await StateStore.open({ url, schema, ...(keys ? { secretKeys: secretKeySource(keys) } : {}) });
  stores.push(store);
  return store;
}
async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
let store: StateStore;
async function newPipeline(): Promise<string> {
  const id = `p-${randomBytes(4).toString('hex')}`;
  await store.ensurePipeline({ id, source: 'source-x', destination: 'destination-y' });
  return id;
}
const rowsOf = (pipeline: string) =>
  query<{ role: string; changes: unknown; sealed_changes: string | null }>(
    `SELECT role, changes, sealed_changes FROM ${schema}.connector_config_updates WHERE pipeline_id = $1 ORDER BY role`,
    [pipeline],
  );

beforeAll(async () => {
  store = await open({ value: keyA, file: join(dir, 'unused.key') });
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await dropSchema(url, schema);
  await rm(dir, { recursive: true, force: true });
});

it('merges config changes per pipeline and role, and keeps them only encrypted', async () => {
  const pipeline = await newPipeline();
  expect(await store.loadConfigUpdates(pipeline)).toEqual({});
  await store.saveConfigUpdate(pipeline, 'destination', { connector: 'destination-google-sheets', changes: { spreadsheet_id: 'a' } });
  await store.saveConfigUpdate(pipeline, 'destination', { connector: 'destination-google-sheets', changes: { token: 'tok-secret-1' } });
  await store.saveConfigUpdate(pipeline, 'source', { connector: 'source-x', changes: { refresh_token: 'r-secret-2' } });
  const updates = await store.loadConfigUpdates(pipeline);
  expect(updates.destination).toMatchObject({ connector: 'destination-google-sheets', changes: { spreadsheet_id: 'a', token: 'tok-secret-1' } });
  expect(updates.source?.changes).toEqual({ refresh_token: 'r-secret-2' });
  const rows = await rowsOf(pipeline);
  expect(rows.map((r) => [r.role, r.changes])).toEqual([['destination', null], ['source', null]]);
  for (const row of rows) expect(row.sealed_changes).toMatch(new RegExp(`^v1\\.${keyId(Buffer.from(keyA, 'base64'))}\\.`));
  expect(JSON.stringify(rows)).not.toMatch(/tok-secret-1|r-secret-2/);
});

it('a wrong or missing key is a clear error, never plaintext; a row moved to another pipeline does not open', async () => {
  const pipeline = await newPipeline();
  await store.saveConfigUpdate(pipeline, 'source', { connector: 'source-x', changes: { refresh_token: 'r' } });
  const wrong = await open({ value: keyB, file: join(dir, 'unused.key') });
  await expect(wrong.loadConfigUpdates(pipeline)).rejects.toThrow(
    `cannot read the source config saved for pipeline "${pipeline}": connector_config_updates:"${pipeline}":source was encrypted with key ${keyId(Buffer.from(keyA, 'base64'))}, which SYNC_SECRET_KEY does not hold`,
  );
  const missing = await open({ file: join(dir, 'missing', 'secret.key') });
  await expect(missing.loadConfigUpdates(pipeline)).rejects.toThrow(/is encrypted with key \w+, but there is no key: SYNC_SECRET_KEY is unset and .*secret\.key does not exist.*sync secrets forget --pipeline/);
  const none = await open(undefined);
  await expect(none.saveConfigUpdate(pipeline, 'source', { connector: 'source-x', changes: { a: 1 } })).rejects.toThrow(/opened without a secret key/);

  const other = await newPipeline();
  await query(
    `INSERT INTO ${schema}.connector_config_updates (pipeline_id, role, connector, sealed_changes)
     SELECT $2, role, connector, sealed_changes FROM ${schema}.connector_config_updates WHERE pipeline_id = $1`,
    [pipeline, other],
  );
  await expect(store.loadConfigUpdates(other)).rejects.toThrow(/does not decrypt with key .*changed or damaged/);
  expect(await store.forgetConfigUpdates(other)).toBe(1);
  expect(await store.loadConfigUpdates(other)).toEqual({});
});

it('encrypts plaintext rows of an older version when it reads them', async () => {
  const pipeline = await newPipeline();
  await query(
    `INSERT INTO ${schema}.connector_config_updates (pipeline_id, role, connector, changes) VALUES ($1, 'source', 'source-x', $2)`,
    [pipeline, JSON.stringify({ refresh_token: 'legacy-plain' })],
  );
  expect((await store.loadConfigUpdates(pipeline)).source?.changes).toEqual({ refresh_token: 'legacy-plain' });
  const [row] = await rowsOf(pipeline);
  expect(row?.changes).toBeNull();
  expect(row?.sealed_changes).toMatch(/^v1\./);
  expect((await store.loadConfigUpdates(pipeline)).source?.changes).toEqual({ refresh_token: 'legacy-plain' });
});

it('rotation re-encrypts every row under the new key (plaintext ones too), the old key readable until then', async () => {
  const file = join(dir, 'rotate', 'secret.key');
  const rotating = await open({ file });
  const pipeline = await newPipeline();
  await rotating.saveConfigUpdate(pipeline, 'source', { connector: 'source-x', changes: { refresh_token: 'r-rot' } });
  const plain = await newPipeline();
  await query(`INSERT INTO ${schema}.connector_config_updates (pipeline_id, role, connector, changes) VALUES ($1, 'source', 'source-x', '{"t":"p"}')`, [plain]);
  // A row sealed with a key the ring does not hold fails the rotation whole: nothing changes.
  const foreign = await newPipeline();
  await store.saveConfigUpdate(foreign, 'source', { connector: 'source-x', changes: { t: 'other key' } });
  const source = secretKeySource({ file });
  const ring = await source.beginRotation();
  await expect(rotating.resealSecrets(ring)).rejects.toThrow(/which .*secret\.key does not hold/);
  expect((await rowsOf(plain))[0]?.sealed_changes).toBeNull();
  await query(`DELETE FROM ${schema}.connector_config_updates WHERE pipeline_id NOT IN ($1, $2)`, [pipeline, plain]);

  expect(await rotating.resealSecrets(ring)).toEqual({ resealed: 1, encrypted: 1, unchanged: 0 });
  await source.finishRotation();
  const after = await open({ file });
  expect((await after.loadConfigUpdates(pipeline)).source?.changes).toEqual({ refresh_token: 'r-rot' });
  expect((await after.loadConfigUpdates(plain)).source?.changes).toEqual({ t: 'p' });
  for (const id of [pipeline, plain]) expect((await rowsOf(id))[0]?.sealed_changes).toMatch(new RegExp(`^v1\\.${ring.currentId}\\.`));
  expect(await after.resealSecrets((await source.load())!)).toEqual({ resealed: 0, encrypted: 0, unchanged: 2 });
});
