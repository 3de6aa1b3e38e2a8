/**
 * Test helper: a random schema name per test file, dropped afterwards, so test files never share
 * state-store tables.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

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
