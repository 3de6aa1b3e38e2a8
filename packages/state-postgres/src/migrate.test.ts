import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import pg from 'pg';
import { isUpToDate, migrate, migrationLockKey } from './migrate.ts';
import { INTERRUPTED_RUN_ERROR } from './run-locks.ts';
import { StateStore } from './state-store.ts';
import { dropSchema, randomSchema } from './test-schema.ts';

/** Every migration file, in the order node-pg-migrate applies them (by name). */
const MIGRATIONS = readdirSync(fileURLToPath(new URL('../migrations', import.meta.url)))
  .filter((f) => f.endsWith('.sql'))
  .map((f) => f.slice(0, -'.sql'.length))
  .sort();

const url = inject('databaseUrl');
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await dropSchema(url, schema);
});

function fresh(): string {
  const schema = randomSchema('test_migrate');
  schemas.push(schema);
  return schema;
}

async function tablesOf(schema: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [schema],
    );
    return result.rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

describe('migrate', () => {
  it('creates the schema and its tables, with the migrations table inside it, and is a no-op the second time', async () => {
    const schema = fresh();
    expect(await migrate({ url, schema })).toEqual(MIGRATIONS);
    expect(await migrate({ url, schema })).toEqual([]);
    expect(await tablesOf(schema)).toEqual([
      'audit_log', 'checkpoints', 'connector_config_updates', 'connector_specs', 'migrations', 'pipelines', 'rate_buckets', 'run_events', 'runs',
      'source_catalogs', 'stream_generations', 'stream_states', 'webhook_deliveries',
    ]);
  });

  it('tells an up-to-date schema (no migration run needed) from a missing, a partly migrated or a newer one', async () => {
    const schema = fresh();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      expect(await isUpToDate(pool, schema)).toBe(false);
      await migrate({ url, schema });
      expect(await isUpToDate(pool, schema)).toBe(true);
      await pool.query(`delete from ${schema}.migrations where name = $1`, [MIGRATIONS.at(-1)]);
      expect(await isUpToDate(pool, schema)).toBe(false);
      await pool.query(`insert into ${schema}.migrations (name, run_on) values ($1, now()), ('999_from_a_newer_version', now())`, [MIGRATIONS.at(-1)]);
      expect(await isUpToDate(pool, schema)).toBe(false);
    } finally {
      await pool.end();
    }
  });

  it('is safe when several processes migrate the same schema at once', async () => {
    const schema = fresh();
    // Separate runners, separate connections: what two engine processes starting together do.
    const results = await Promise.all([1, 2, 3, 4].map(() => migrate({ url, schema })));
    expect(results.flat()).toEqual(MIGRATIONS);
    const stores = await Promise.all([1, 2].map(() => StateStore.open({ url, schema })));
    await Promise.all(stores.map((s) => s.close()));
    expect(await tablesOf(schema)).toContain('stream_states');
  });

  it('007 keeps existing runs: asked for when they started; of two left running, the older is marked interrupted', async () => {
    const schema = fresh();
    const { runner } = await import('node-pg-migrate');
    const dir = fileURLToPath(new URL('../migrations', import.meta.url));
    const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
    await runner({ databaseUrl: url, dir, direction: 'up', count: 6, schema, createSchema: true, migrationsTable: 'migrations', logger });
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await pool.query(`INSERT INTO ${schema}.pipelines (id, source, destination) VALUES ('p', 's', 'd')`);
      await pool.query(
        `INSERT INTO ${schema}.runs (id, pipeline_id, status, started_at) VALUES
           ('old', 'p', 'running', '2024-01-01T00:00:00Z'), ('new', 'p', 'running', '2024-01-02T00:00:00Z'), ('done', 'p', 'succeeded', '2023-12-31T00:00:00Z')`,
      );
      expect(await migrate({ url, schema })).toEqual(MIGRATIONS.slice(6));
      const { rows } = await pool.query(`SELECT id, status, kind, created_at = started_at AS same, request, error FROM ${schema}.runs ORDER BY id`);
      expect(rows).toEqual([
        { id: 'done', status: 'succeeded', kind: 'sync', same: true, request: {}, error: null },
        { id: 'new', status: 'running', kind: 'sync', same: true, request: {}, error: null },
        { id: 'old', status: 'failed', kind: 'sync', same: true, request: {}, error: INTERRUPTED_RUN_ERROR },
      ]);
    } finally {
      await pool.end();
    }
  });

  it('refuses a schema name that would need quoting', async () => {
    await expect(migrate({ url, schema: 'Sync; drop' })).rejects.toThrow(/invalid state store schema "Sync; drop"/);
    await expect(StateStore.open({ url, schema: '1abc' })).rejects.toThrow(/invalid state store schema/);
  });

  it('uses one advisory lock key per schema, a safe integer', () => {
    const a = migrationLockKey('sync');
    expect(Number.isSafeInteger(a)).toBe(true);
    expect(migrationLockKey('sync')).toBe(a);
    expect(migrationLockKey('sync_other')).not.toBe(a);
  });
});
