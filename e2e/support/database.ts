/**
 * Test databases: every test file gets its own schemas on the Postgres that global-setup provides.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

export const databaseUrl = (): string => inject('databaseUrl');

/** A fresh, unused schema name such as `t_3f9a0c1b`. */
export function freshSchema(prefix = 't'): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export async function query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Every row of `schema.table` as `{ id, raw }`, ordered by id. */
export async function tableRows(schema: string, table: string): Promise<{ id: string; raw: Record<string, unknown> }[]> {
  return query<{ id: string; raw: Record<string, unknown> }>(`select id, _raw_data as raw from "${schema}"."${table}" order by id`);
}
