/**
 * The `check` command: can this config write? Connects, runs `select 1`, and verifies that the
 * schema exists and accepts new tables, or that it can be created.
 */
import type pg from 'pg';
import type { AirbyteConnectionStatus } from '@sync/protocol';
import { errorMessage } from '@sync/connector-kit';
import type { PostgresDestinationConfig } from './config.ts';
import { connect, describeTarget } from './connection.ts';
import { assertSafeIdentifier, quoteIdent } from './identifiers.ts';

/**
 * Checks `config` against its database. Never throws: every problem becomes a FAILED status whose
 * message says what to change.
 */
export async function checkPostgres(config: PostgresDestinationConfig): Promise<AirbyteConnectionStatus> {
  let client: pg.Client;
  try {
    assertSafeIdentifier(config.schema, 'schema');
    client = await connect(config.url, { connectTimeoutMs: config.connect_timeout_ms, statementTimeoutMs: config.statement_timeout_ms });
  } catch (error) {
    return { status: 'FAILED', message: errorMessage(error) };
  }
  const target = describeTarget(config.url);
  try {
    await client.query('select 1');
    const { rows } = await client.query<{ exists: boolean; can_create: boolean | null }>(
      `select exists (select 1 from pg_namespace where nspname = $1) as exists,
              case when exists (select 1 from pg_namespace where nspname = $1)
                   then has_schema_privilege($1, 'CREATE') end as can_create`,
      [config.schema],
    );
    const row = rows[0];
    if (row?.exists) {
      return row.can_create
        ? { status: 'SUCCEEDED' }
        : { status: 'FAILED', message: `schema ${config.schema} exists at ${target} but this user cannot create tables in it; grant CREATE on it` };
    }
    // Create the schema in a transaction that is rolled back: proves the privilege, changes nothing.
    await client.query('begin');
    try {
      await client.query(`create schema ${quoteIdent(config.schema)}`);
    } finally {
      await client.query('rollback');
    }
    return { status: 'SUCCEEDED' };
  } catch (error) {
    return { status: 'FAILED', message: `cannot create schema ${config.schema} at ${target}: ${errorMessage(error)}` };
  } finally {
    await client.end().catch(() => {});
  }
}
