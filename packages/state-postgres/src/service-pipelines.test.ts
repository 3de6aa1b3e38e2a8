import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConflictError } from './conflict-error.ts';
import { keyId } from './secret-box.ts';
import { secretKeySource } from './secret-key.ts';
import type { ServiceStore } from './service-store.ts';
import { StateStore } from './state-store.ts';
import { dropSchema, randomSchema } from './test-schema.ts';

const url = inject('databaseUrl');
const schema = randomSchema('test_service_pipelines');
const dir = await mkdtemp(join(tmpdir(), 'service-pipelines-test-'));
const key = randomBytes(32).toString('base64');
const stores: StateStore[] = [];
let store: StateStore;
let service: ServiceStore;

async function open(keys?: Parameters<typeof secretKeySource>[0]): Promise<StateStore> {
  const opened = await StateStore.open({ url, schema, ...(keys ? { secretKeys: secretKeySource(keys) } : {}) });
  stores.push(opened);
  return opened;
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
const newId = () => `p-${randomBytes(4).toString('hex')}`;
const stripe = (apiKey: string) => ({ name: 'source-stripe', config: { api_key: apiKey, webhook_secret: `whsec_${apiKey}`, start_date: '2024-01-01' } });
const postgres = (password: string) => ({ name: 'destination-postgres', config: { url: `postgres://u:${password}@db/x`, schema: 'stripe' } });

beforeAll(async () => {
  store = await open({ value: key, file: join(dir, 'unused.key') });
  service = store.service();
});
afterAll(async () => {
  for (const s of stores) await s.close();
  await dropSchema(url, schema);
  await rm(dir, { recursive: true, force: true });
});

describe('stored pipelines', () => {
  it("keeps the API's connector names when a run records the commands' names", async () => {
    const id = newId();
    await service.createPipeline({ id, source: { name: 'stripe', config: { api_key: 'sk_x' } }, destination: { name: 'postgres', config: {} } });
    await store.ensurePipeline({ id, source: 'source-stripe', destination: 'destination-postgres' });
    const pipeline = await service.getPipeline(id);
    expect([pipeline?.source.name, pipeline?.destination.name]).toEqual(['stripe', 'postgres']);
    await service.updatePipeline(id, { destination: { name: 'google-sheets', config: {} } });
    expect((await service.getPipeline(id))?.destination.name).toBe('google-sheets');
  });

  it('stores a pipeline with its configs sealed whole: no value of a config is in the table', async () => {
    const id = newId();
    const created = await service.createPipeline({
      id,
      source: stripe('sk_test_plain1'),
      destination: postgres('pw-plain2'),
      streams: [{ name: 'customers', syncMode: 'incremental', cursorField: ['created'], fields: ['id', 'email'] }, { name: 'charges' }],
    });
    expect(created).toMatchObject({
      id,
      source: stripe('sk_test_plain1'),
      destination: postgres('pw-plain2'),
      streams: [{ name: 'customers', syncMode: 'incremental', cursorField: ['created'], fields: ['id', 'email'] }, { name: 'charges' }],
      configStored: true,
    });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(await service.getPipeline(id)).toEqual(created);

    const [row] = await query<Record<string, unknown>>(`SELECT * FROM ${schema}.pipelines WHERE id = $1`, [id]);
    expect(row).toMatchObject({ source: 'source-stripe', destination: 'destination-postgres' });
    expect(row?.source_config_sealed).toMatch(new RegExp(`^v1\\.${keyId(Buffer.from(key, 'base64'))}\\.`));
    const dump = JSON.stringify(row);
    for (const value of ['sk_test_plain1', 'whsec_', 'pw-plain2', '2024-01-01', 'api_key', '"stripe"']) expect(dump).not.toContain(value);
    expect(row?.streams).toEqual([{ name: 'customers', sync_mode: 'incremental', cursor_field: ['created'], fields: ['id', 'email'] }, { name: 'charges' }]);
  });

  it('refuses an id that exists, whether stored through the API or made by sync run', async () => {
    const id = newId();
    await service.createPipeline({ id, source: stripe('a'), destination: postgres('b') });
    const again = service.createPipeline({ id, source: stripe('c'), destination: postgres('d') });
    await expect(again).rejects.toThrow(new ConflictError(`pipeline "${id}" already exists: choose another id, or change that pipeline instead`));
    await expect(again).rejects.toMatchObject({ code: 'conflict' });
    expect((await service.getPipeline(id))?.source.config.api_key).toBe('a');

    const made = newId();
    await store.ensurePipeline({ id: made, source: 'source-stripe', destination: 'destination-postgres' });
    await expect(service.createPipeline({ id: made, source: stripe('a'), destination: postgres('b') })).rejects.toBeInstanceOf(ConflictError);
  });

  it('lists every pipeline by id, those sync run made without config', async () => {
    const made = `0-${newId()}`;
    await store.ensurePipeline({ id: made, source: 'source-faker', destination: 'destination-postgres' });
    const stored = `1-${newId()}`;
    await service.createPipeline({ id: stored, source: stripe('k'), destination: postgres('p') });
    const all = await service.listPipelines();
    expect(all.map((p) => p.id)).toEqual([...all.map((p) => p.id)].sort());
    expect(all.find((p) => p.id === made)).toMatchObject({
      source: { name: 'source-faker', config: {} },
      destination: { name: 'destination-postgres', config: {} },
      configStored: false,
    });
    expect(all.find((p) => p.id === made)?.streams).toBeUndefined();
    expect(all.find((p) => p.id === stored)).toMatchObject({ source: stripe('k'), configStored: true });
    expect(await service.getPipeline('no-such-pipeline')).toBeUndefined();
  });

  it('updates the parts given and keeps the others; streams null selects every stream again', async () => {
    const id = newId();
    await service.createPipeline({ id, source: stripe('old'), destination: postgres('pw'), streams: [{ name: 'customers' }] });
    const renamed = await service.updatePipeline(id, { destination: { name: 'destination-google-sheets' } });
    expect(renamed).toMatchObject({ source: stripe('old'), destination: { name: 'destination-google-sheets', config: postgres('pw').config }, streams: [{ name: 'customers' }] });
    const rekeyed = await service.updatePipeline(id, { source: { config: { api_key: 'new' } }, streams: null });
    expect(rekeyed).toMatchObject({ source: { name: 'source-stripe', config: { api_key: 'new' } }, destination: { name: 'destination-google-sheets' } });
    expect(rekeyed?.streams).toBeUndefined();
    expect(rekeyed!.updatedAt.getTime()).toBeGreaterThanOrEqual(rekeyed!.createdAt.getTime());
    expect(await service.getPipeline(id)).toEqual(rekeyed);
    const [row] = await query<{ source: string; destination: string; source_config_sealed: string }>(`SELECT * FROM ${schema}.pipelines WHERE id = $1`, [id]);
    expect([row?.source, row?.destination]).toEqual(['source-stripe', 'destination-google-sheets']);
    expect(row?.source_config_sealed).not.toContain('new');
    expect(await service.updatePipeline('no-such-pipeline', { streams: null })).toBeUndefined();
  });

  it('a config sealed for one pipeline does not open for another; a missing key is a clear error', async () => {
    const a = newId();
    const b = newId();
    await service.createPipeline({ id: a, source: stripe('a'), destination: postgres('a') });
    await service.createPipeline({ id: b, source: stripe('b'), destination: postgres('b') });
    await query(`UPDATE ${schema}.pipelines SET source_config_sealed = (SELECT source_config_sealed FROM ${schema}.pipelines WHERE id = $1) WHERE id = $2`, [a, b]);
    await expect(service.getPipeline(b)).rejects.toThrow(`cannot read the source config of pipeline "${b}": pipelines:"${b}":source does not decrypt with key`);

    const keyless = await open({ file: join(dir, 'missing', 'secret.key') });
    await expect(keyless.service().getPipeline(a)).rejects.toThrow(
      new RegExp(`the configs of pipeline "${a}" are encrypted with key \\w+, but there is no key: SYNC_SECRET_KEY is unset and .*secret\\.key does not exist`),
    );
    const none = await open();
    await expect(none.service().createPipeline({ id: newId(), source: stripe('x'), destination: postgres('y') })).rejects.toThrow(/opened without a secret key/);
    await query(`DELETE FROM ${schema}.pipelines WHERE id = $1`, [b]);
  });
});

describe('deleting a pipeline', () => {
  it('deletes everything of the pipeline in one transaction, and nothing of another', async () => {
    const filled = async (id: string) => {
      await service.createPipeline({ id, source: stripe(id), destination: postgres(id) });
      const run = await store.startRun(id);
      await store.commitState(run.id, id, { type: 'STREAM', stream: { stream_descriptor: { name: 'customers' }, stream_state: { c: 1 } } });
      await store.streamGenerations(id, ['customers']);
      await store.saveConfigUpdate(id, 'source', { connector: 'source-stripe', changes: { token: 't' }, runId: run.id });
      await store.saveSourceCatalog(id, { connector: 'source-stripe', version: '1', configHash: 'h', catalog: { streams: [] }, discoveredAt: new Date() });
      await service.appendRunEvents(run.id, [{ seq: 1, event: { type: 'log' } }]);
      await store.finishRun(run.id, { status: 'succeeded', streams: {} });
      const { delivery } = await service.saveWebhookDelivery(id, { id: `evt_${id}`, type: 'customer.updated' });
      const hook = await service.enqueueRun(id, 'webhook', {});
      await store.startRun(id, { runId: hook.id });
      await service.markWebhookDeliveriesApplied([delivery.id], hook.id);
      await store.finishRun(hook.id, { status: 'succeeded', streams: {} });
      await service.recordAudit({ actor: 'token:abc', action: 'pipeline.created', targetType: 'pipeline', targetId: id, details: {} });
    };
    const gone = newId();
    const kept = newId();
    await filled(gone);
    await filled(kept);
    // A run whose process died (still `running`, no lock) does not block the deletion.
    const dying = await StateStore.open({ url, schema });
    await dying.startRun(gone);
    await dying.close();

    const tables = ['webhook_deliveries', 'run_events', 'checkpoints', 'stream_states', 'stream_generations', 'connector_config_updates', 'source_catalogs', 'runs', 'pipelines'];
    const counts = async (id: string) => {
      const result: Record<string, number> = {};
      for (const table of tables) {
        const where = ['run_events', 'checkpoints'].includes(table)
          ? `run_id IN (SELECT id FROM ${schema}.runs WHERE pipeline_id = $1)`
          : `${table === 'pipelines' ? 'id' : 'pipeline_id'} = $1`;
        result[table] = Number((await query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.${table} WHERE ${where}`, [id]))[0]!.n);
      }
      return result;
    };
    expect(Object.values(await counts(gone)).every((n) => n > 0)).toBe(true);
    const before = await counts(kept);

    expect(await service.deletePipeline(gone)).toBe(true);
    expect(Object.values(await counts(gone)).every((n) => n === 0)).toBe(true);
    expect(await counts(kept)).toEqual(before);
    expect(await service.getPipeline(gone)).toBeUndefined();
    // The audit log keeps what happened to it.
    expect((await service.listAudit()).some((e) => e.targetId === gone)).toBe(true);
    expect(await service.deletePipeline(gone)).toBe(false);
  });

  it('refuses while a run is queued or running, naming it, and deletes nothing', async () => {
    const id = newId();
    await service.createPipeline({ id, source: stripe('q'), destination: postgres('q') });
    const queued = await service.enqueueRun(id, 'sync', {});
    const refused = service.deletePipeline(id);
    await expect(refused).rejects.toThrow(`cannot delete pipeline "${id}": run ${queued.id} is queued; cancel it and wait for it to end, then delete the pipeline`);
    await expect(refused).rejects.toMatchObject({ code: 'conflict', runId: queued.id });

    await store.startRun(id, { runId: queued.id });
    await expect(service.deletePipeline(id)).rejects.toThrow(`run ${queued.id} is running`);
    // Another process runs it: the lock is held elsewhere.
    const other = await open({ value: key, file: join(dir, 'unused.key') });
    await expect(other.service().deletePipeline(id)).rejects.toMatchObject({ runId: queued.id });
    await store.finishRun(queued.id, { status: 'succeeded', streams: {} });
    expect(await service.getPipeline(id)).toBeDefined();
    expect(await other.service().deletePipeline(id)).toBe(true);
  });
});

describe('key rotation', () => {
  it('reseals pipeline configs with the config changes, in one transaction', async () => {
    const rotationSchema = randomSchema('test_service_reseal');
    const file = join(dir, 'rotate', 'secret.key');
    const rotating = await StateStore.open({ url, schema: rotationSchema, secretKeys: secretKeySource({ file }) });
    try {
      const svc = rotating.service();
      await svc.createPipeline({ id: 'a', source: stripe('rot-a'), destination: postgres('rot-a') });
      await svc.createPipeline({ id: 'b', source: stripe('rot-b'), destination: postgres('rot-b') });
      await rotating.ensurePipeline({ id: 'made', source: 'source-faker', destination: 'destination-postgres' });
      await rotating.saveConfigUpdate('a', 'destination', { connector: 'destination-postgres', changes: { token: 't' } });
      const source = secretKeySource({ file });
      const ring = await source.beginRotation();
      expect(await rotating.resealSecrets(ring)).toEqual({ resealed: 5, encrypted: 0, unchanged: 0 });
      await source.finishRotation();
      const after = await StateStore.open({ url, schema: rotationSchema, secretKeys: secretKeySource({ file }) });
      try {
        expect((await after.service().getPipeline('b'))?.destination).toEqual(postgres('rot-b'));
        const rows = await query<{ s: string; d: string }>(
          `SELECT source_config_sealed AS s, destination_config_sealed AS d FROM ${rotationSchema}.pipelines WHERE source_config_sealed IS NOT NULL`,
        );
        expect(rows.flatMap((r) => [r.s, r.d]).every((sealed) => sealed.startsWith(`v1.${ring.currentId}.`))).toBe(true);
        expect(await after.resealSecrets((await source.load())!)).toEqual({ resealed: 0, encrypted: 0, unchanged: 5 });
      } finally {
        await after.close();
      }
    } finally {
      await rotating.close();
      await dropSchema(url, rotationSchema);
    }
  });
});
