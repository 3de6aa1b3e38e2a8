/**
 * Test helper: a random schema name per test file, dropped afterwards, so test files never share
 * state-store tables.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import type { ServiceStore } from './service-store.ts';
import { StateStore } from './state-store.ts';

export function randomSchema(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Drops a test's own schema (never a real store's). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

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
