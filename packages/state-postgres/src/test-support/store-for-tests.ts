/** Test helper: a state store of a test file's own, for the tests of what `sync serve` keeps. */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import type { ServiceStore } from '../service-store.ts';
import { StateStore } from '../state-store.ts';
import { dropSchema, randomSchema } from '../test-schema.ts';

/**
 * A state store in a schema of the test file's own, opened before its tests and closed (schema
 * dropped) after them; `store` and `service` are read once the tests run. `newPipeline()` records a
 * pipeline with a random id (as `sync run` does) and returns the id.
 */
export function storeForTests(prefix: string): { readonly url: string; readonly schema: string; readonly store: StateStore; readonly service: ServiceStore; newPipeline(): Promise<string> } {
  const url = inject('databaseUrl');
  const schema = randomSchema(prefix);
  let opened: StateStore | undefined;
  beforeAll(async () => {
    opened = await StateStore.open({ url, schema });
  });
  afterAll(async () => {
    await opened?.close();
    await dropSchema(url, schema);
  });
  const store = () => {
    if (!opened) throw new Error('the test store is open only while the tests run');
    return opened;
  };
  return {
    url,
    schema,
    get store() {
      return store();
    },
    get service() {
      return store().service();
    },
    async newPipeline() {
      const id = `p-${randomBytes(4).toString('hex')}`;
      await store().ensurePipeline({ id, source: 'source-stripe', destination: 'destination-postgres' });
      return id;
    },
  };
}
