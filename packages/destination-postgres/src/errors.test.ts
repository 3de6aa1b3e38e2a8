import { describe, expect, it, inject } from 'vitest';
import pg from 'pg';
import { catalogOf, configuredStream, countOf, randomSchema, useTestSchema, recordLine, runWrite, stateLine } from './test-support.ts';
import { checkPostgres } from './check.ts';
import { PostgresDestinationConfig } from './config.ts';

const db = useTestSchema();
const { url, schema } = db;
const config = db.config;

async function tableExists(table: string): Promise<boolean> {
  const { rows } = await db.pool.query<{ t: string | null }>('select to_regclass($1) as t', [`${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`]);
  return rows[0]?.t != null;
}

/** The config_error TRACE of a failed run. */
function errorOf(output: { type: string; trace?: { error?: { message: string; failure_type?: string } } }[]) {
  const traces = output.filter((m) => m.type === 'TRACE');
  expect(traces).toHaveLength(1);
  return traces[0]!.trace!.error!;
}

describe('errors', () => {
  it('fails a record of a stream not in the catalog with config_error, committing nothing of its batch', async () => {
    const catalog = catalogOf(configuredStream('customers'), configuredStream('invoices'));
    const result = await runWrite({
      config: { ...config, commit_interval_ms: 0 },
      catalog,
      messages: [
        recordLine('customers', { id: 'cus_1', updated: 1 }),
        stateLine('customers', 1, 1),
        recordLine('customers', { id: 'cus_2', updated: 2 }),
        recordLine('invoices', { id: 'in_1', updated: 2 }),
        recordLine('subscriptions', { id: 'sub_1', updated: 2 }),
        stateLine('customers', 2, 1),
      ],
    });
    expect(result.code).toBe(1);
    expect(result.output.filter((m) => m.type === 'STATE')).toHaveLength(1);
    const error = errorOf(result.output);
    expect(error.failure_type).toBe('config_error');
    expect(error.message).toContain(
      "record for stream 'subscriptions', which is not in the configured catalog (streams: customers, invoices)",
    );
    expect(await countOf(db.pool, schema, 'customers')).toBe(1);
    expect(await countOf(db.pool, schema, 'invoices')).toBe(0);
  });

  it('refuses a stream name that is not a safe identifier before touching the database', async () => {
    for (const name of ['bad-name', 'Robert"); drop table x; --', 'a'.repeat(64)]) {
      const result = await runWrite({ config, catalog: catalogOf(configuredStream(name)), messages: [] });
      expect(result.code).toBe(1);
      const error = errorOf(result.output);
      expect(error.failure_type).toBe('config_error');
      expect(error.message).toContain(`stream name ${JSON.stringify(name)}`);
      expect(await tableExists(name)).toBe(false);
    }
  });

  it('refuses an unsafe schema name', async () => {
    const result = await runWrite({ config: { url, schema: 'my schema' }, catalog: catalogOf(configuredStream('customers')), messages: [] });
    expect(result.code).toBe(1);
    expect(errorOf(result.output)).toMatchObject({ failure_type: 'config_error', message: expect.stringContaining('schema name "my schema"') });
  });

  it('reports an unreachable database as config_error naming host, port and database, never the password', async () => {
    const unreachable = 'postgres://writer:hunter2secret@127.0.0.1:1/analytics';
    const result = await runWrite({ config: { url: unreachable, schema }, catalog: catalogOf(configuredStream('customers')), messages: [] });
    expect(result.code).toBe(1);
    const error = errorOf(result.output);
    expect(error.failure_type).toBe('config_error');
    expect(error.message).toMatch(/^cannot connect to Postgres at 127\.0\.0\.1:1\/analytics: /);
    expect(JSON.stringify(result.output)).not.toContain('hunter2secret');
    expect(result.stderr).not.toContain('hunter2secret');

    const status = await checkPostgres(PostgresDestinationConfig.parse({ url: unreachable, schema }));
    expect(status.status).toBe('FAILED');
    expect(status.message).toMatch(/^cannot connect to Postgres at 127\.0\.0\.1:1\/analytics: /);
    expect(status.message).not.toContain('hunter2secret');
  });

  it('fails a record without a primary key value with config_error', async () => {
    const result = await runWrite({ config, catalog: catalogOf(configuredStream('coupons')), messages: [recordLine('coupons', { name: 'no id' })] });
    expect(result.code).toBe(1);
    expect(errorOf(result.output)).toMatchObject({ failure_type: 'config_error', message: expect.stringContaining('no value for its primary key ["id"]') });
    expect(await countOf(db.pool, schema, 'coupons')).toBe(0);
  });
});

describe('check', () => {
  it('succeeds against a reachable database without creating the schema', async () => {
    const fresh = randomSchema('dest_pg_check');
    expect(await checkPostgres(PostgresDestinationConfig.parse({ url, schema: fresh }))).toEqual({ status: 'SUCCEEDED' });
    const { rows } = await db.pool.query('select 1 from pg_namespace where nspname = $1', [fresh]);
    expect(rows).toHaveLength(0);
  });

  it('fails on an unsafe schema name', async () => {
    const status = await checkPostgres(PostgresDestinationConfig.parse({ url, schema: 'no-dashes' }));
    expect(status).toMatchObject({ status: 'FAILED', message: expect.stringContaining('schema name "no-dashes"') });
  });
});

describe('lost connection', () => {
  it('fails with transient_error and acknowledges nothing more when the session is terminated mid-write', async () => {
    const catalog = catalogOf(configuredStream('disputes'));
    // A name of its own, so that only this test's session is terminated (the url's application_name
    // takes precedence over the destination's default).
    const applicationName = randomSchema('dest_pg_victim');
    const victimUrl = new URL(url);
    victimUrl.searchParams.set('application_name', applicationName);
    const result = await runWrite({
      config: { url: victimUrl.toString(), schema, commit_interval_ms: 0 },
      catalog,
      messages: [
        recordLine('disputes', { id: 'dp_1', updated: 1 }),
        stateLine('disputes', 1, 1),
        recordLine('disputes', { id: 'dp_2', updated: 2 }),
        stateLine('disputes', 2, 1),
      ],
      onMessage: async (message) => {
        if (message.type !== 'STATE') return;
        await db.pool.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
          [applicationName],
        );
      },
    });
    expect(result.code).toBe(1);
    expect(result.output.filter((m) => m.type === 'STATE')).toHaveLength(1);
    expect(errorOf(result.output)).toMatchObject({ failure_type: 'transient_error', message: expect.stringContaining('lost the connection to Postgres at') });
    expect(await countOf(db.pool, schema, 'disputes')).toBe(1);
  });
});
