import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { configureCatalog, type AirbyteCatalog } from '@sync/protocol';
import type { SourceCatalogRecord } from '@sync/engine';
import { catalogJson } from './source-catalogs.ts';
import { StateStore } from './state-store.ts';
import { dropSchema, randomSchema } from './test-schema.ts';

const url = inject('databaseUrl');
const schema = randomSchema('test_catalogs');
let store: StateStore;
beforeAll(async () => {
  store = await StateStore.open({ url, schema });
  for (const id of ['p-one', 'p-two']) await store.ensurePipeline({ id, source: 'source-acme', destination: 'destination-acme' });
});
afterAll(async () => {
  await store.close();
  await dropSchema(url, schema);
});

/** Two streams as a source would discover them: one incremental with a primary key, one full refresh only. */
const catalog: AirbyteCatalog = {
  streams: [
    {
      name: 'customers',
      json_schema: { type: 'object', properties: { id: { type: 'string' }, created: { type: 'integer' }, meta: { type: ['object', 'null'] } } },
      supported_sync_modes: ['full_refresh', 'incremental'],
      source_defined_cursor: true,
      default_cursor_field: ['created'],
      source_defined_primary_key: [['id']],
    },
    { name: 'balance', json_schema: { type: 'object', properties: { amount: { type: 'integer' } } }, supported_sync_modes: ['full_refresh'] },
  ],
};
const record = (n: number): SourceCatalogRecord => ({
  connector: 'source-acme',
  version: `v${n}`,
  configHash: 'ab'.repeat(32),
  catalog,
  discoveredAt: new Date('2025-03-01T12:00:00.123Z'),
});

it('keeps a catalog per pipeline, as given, and it configures exactly as the discovered one', async () => {
  expect(await store.loadSourceCatalog('p-one')).toBeUndefined();
  await store.saveSourceCatalog('p-one', record(1));
  const kept = await store.loadSourceCatalog('p-one');
  expect(kept).toEqual(record(1));
  expect(await store.loadSourceCatalog('p-two')).toBeUndefined();
  // Streams, sync modes, cursors and primary keys: what a run hands the connectors is the same.
  for (const options of [{}, { streams: ['balance'] }, { fullRefresh: true }, { destinationSyncMode: 'overwrite' as const }]) {
    expect(configureCatalog(kept!.catalog, options)).toEqual(configureCatalog(catalog, options));
  }
});

it('loads only the streams asked for, in the kept order, with the rest of the catalog', async () => {
  const withMore = { ...catalog, streams: [...catalog.streams, { name: 'fx', json_schema: {}, supported_sync_modes: ['full_refresh' as const] }], note: 'kept' };
  await store.saveSourceCatalog('p-one', { ...record(3), catalog: withMore });
  expect(await store.loadSourceCatalog('p-one', ['fx', 'customers'])).toEqual({ ...record(3), catalog: { ...withMore, streams: [withMore.streams[0], withMore.streams[2]] } });
  expect(await store.loadSourceCatalog('p-one', ['balance', 'missing'])).toEqual({ ...record(3), catalog: { ...withMore, streams: [withMore.streams[1]] } });
  expect(await store.loadSourceCatalog('p-one', ['missing'])).toEqual({ ...record(3), catalog: { ...withMore, streams: [] } });
  expect(await store.loadSourceCatalog('p-one')).toEqual({ ...record(3), catalog: withMore });
  expect(await store.loadSourceCatalog('p-two', ['fx'])).toBeUndefined();
});

it('writes a catalog as JSON.stringify would, a stream at a time', () => {
  const odd = { streams: [{ ...catalog.streams[0]!, description: 'é \u2028 "q" \\' }, catalog.streams[1]!], extra: { n: 1 } };
  for (const value of [catalog, { streams: [] }, odd]) expect(JSON.parse(catalogJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
  expect(catalogJson(catalog)).toBe(JSON.stringify(catalog));
});

it('saving again replaces the kept catalog; null forgets it, and only that pipeline\'s', async () => {
  await store.saveSourceCatalog('p-one', record(1));
  await store.saveSourceCatalog('p-two', record(1));
  await store.saveSourceCatalog('p-one', { ...record(2), catalog: { streams: [] } });
  expect(await store.loadSourceCatalog('p-one')).toEqual({ ...record(2), catalog: { streams: [] } });
  await store.saveSourceCatalog('p-one', null);
  expect(await store.loadSourceCatalog('p-one')).toBeUndefined();
  expect(await store.loadSourceCatalog('p-two')).toEqual(record(1));
});

it('keeps no catalog for a pipeline that does not exist', async () => {
  await expect(store.saveSourceCatalog('p-missing', record(1))).rejects.toThrow(/foreign key/);
});
