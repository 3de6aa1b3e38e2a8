import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { SPEC_VERSIONS_KEPT } from './connector-specs.ts';
import { StateStore } from './state-store.ts';
import { dropSchema, randomSchema } from './test-schema.ts';

const url = inject('databaseUrl');
const schema = randomSchema('test_specs');
let store: StateStore;
beforeAll(async () => {
  store = await StateStore.open({ url, schema });
});
afterAll(async () => {
  await store.close();
  await dropSchema(url, schema);
});

const specOf = (n: number) => ({ type: 'object', properties: { token: { type: 'string', airbyte_secret: true }, n: { const: n } } });

it('keeps a spec per connector and version, and has none for another version or connector', async () => {
  expect(await store.loadConnectorSpec('source-acme', 'v1')).toBeUndefined();
  await store.saveConnectorSpec('source-acme', 'v1', specOf(1));
  expect(await store.loadConnectorSpec('source-acme', 'v1')).toEqual(specOf(1));
  expect(await store.loadConnectorSpec('source-acme', 'v2')).toBeUndefined();
  expect(await store.loadConnectorSpec('destination-acme', 'v1')).toBeUndefined();
});

it('saving a version again replaces its spec (two runs of a new version both saving it)', async () => {
  await store.saveConnectorSpec('source-twice', 'v1', specOf(1));
  await store.saveConnectorSpec('source-twice', 'v1', specOf(2));
  expect(await store.loadConnectorSpec('source-twice', 'v1')).toEqual(specOf(2));
});

it(`keeps the ${SPEC_VERSIONS_KEPT} most recently saved versions of a connector, and leaves other connectors alone`, async () => {
  await store.saveConnectorSpec('destination-other', 'v0', specOf(0));
  const versions = Array.from({ length: SPEC_VERSIONS_KEPT + 2 }, (_, i) => `v${i + 1}`);
  for (const [i, version] of versions.entries()) await store.saveConnectorSpec('source-pruned', version, specOf(i + 1));
  const kept: string[] = [];
  for (const version of versions) if ((await store.loadConnectorSpec('source-pruned', version)) !== undefined) kept.push(version);
  expect(kept).toEqual(versions.slice(-SPEC_VERSIONS_KEPT));
  expect(await store.loadConnectorSpec('destination-other', 'v0')).toEqual(specOf(0));
});
