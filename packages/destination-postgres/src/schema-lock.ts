/**
 * One writer at a time per target schema: a write holds a session-level Postgres advisory lock keyed
 * by its schema, on its own connection, from before it touches the schema to its end. Two writes into
 * one schema (two pipelines sharing a destination, a retry while the first attempt still runs) thus
 * take turns instead of merging, swapping shadow tables or dropping each other's leftovers
 * concurrently. A writer whose process dies loses its connection and so its lock: nothing needs
 * cleaning up by hand (PostgreSQL manual, "Advisory Locks": session-level locks are held until
 * released or the session ends, whatever happens to transactions).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { ConnectorError } from '@sync/connector-kit';

/**
 * The advisory lock key of `schema`: the first 8 bytes of sha256(`destination-postgres/schema/<schema>`)
 * as a signed 64-bit integer (Postgres `bigint`). Namespaced so that it never meets the engine's run
 * locks on a shared database, except by a 2^-64 chance.
 */
export function schemaLockKey(schema: string): bigint {
  return createHash('sha256').update(`destination-postgres/schema/${schema}`).digest().readBigInt64BE(0);
}

/** The session holding a schema's lock, as pg_locks and pg_stat_activity show it. */
export interface LockHolder {
  pid: number;
  /** Its `application_name` (`destination-postgres` unless its url sets another). */
  applicationName: string | null;
  clientAddress: string | null;
  /** When its session started. */
  since: Date | null;
}

/** `pid 123 (destination-postgres from 10.0.0.7, connected since …)`: a holder, for messages. */
export function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return 'a session that has just ended';
  const who = [holder.applicationName, holder.clientAddress ? `from ${holder.clientAddress}` : null].filter((p) => p).join(' ');
  const details = [who, holder.since ? `connected since ${holder.since.toISOString()}` : ''].filter((p) => p !== '');
  return `pid ${holder.pid}${details.length > 0 ? ` (${details.join(', ')})` : ''}`;
}

/** Takes the lock of `schema` on `client` if it is free. @returns whether it was taken. */
export async function tryLockSchema(client: pg.Client, schema: string): Promise<boolean> {
  const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [String(schemaLockKey(schema))]);
  return rows[0]?.locked === true;
}

/**
 * The session holding the lock of `schema`, or `undefined` when none does. A bigint advisory lock shows
 * in pg_locks with its high 32 bits in `classid`, its low 32 bits in `objid` and `objsubid` 1
 * (PostgreSQL manual, "pg_locks").
 */
export async function schemaLockHolder(client: pg.Client, schema: string): Promise<LockHolder | undefined> {
  const unsigned = BigInt.asUintN(64, schemaLockKey(schema));
  const { rows } = await client.query<{ pid: number; application_name: string | null; client_addr: string | null; backend_start: Date | null }>(
    `select l.pid, a.application_name, host(a.client_addr) as client_addr, a.backend_start
       from pg_locks l left join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.classid = $1::oid and l.objid = $2::oid and l.objsubid = 1
      limit 1`,
    [String(unsigned >> 32n), String(unsigned & 0xffffffffn)],
  );
  const row = rows[0];
  return row && { pid: row.pid, applicationName: row.application_name || null, clientAddress: row.client_addr, since: row.backend_start };
}

/**
 * Waits for the lock of `schema` on `client`, at most `timeoutMs` (0 = no limit), whatever the
 * session's statement_timeout.
 *
 * @param holder who held it when the wait began, for the error message.
 * @throws ConnectorError `transient_error` naming the schema, the holder and `lock_timeout_ms` when the
 *   wait times out (SQLSTATE 55P03); any other query error unchanged.
 */
export async function waitForSchemaLock(client: pg.Client, schema: string, timeoutMs: number, holder: LockHolder | undefined): Promise<void> {
  await client.query('begin');
  try {
    // Transaction-scoped settings; the session-level lock outlives the transaction.
    await client.query(`select set_config('lock_timeout', $1, true), set_config('statement_timeout', '0', true)`, [String(timeoutMs)]);
    await client.query('select pg_advisory_lock($1::bigint)', [String(schemaLockKey(schema))]);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    if ((error as { code?: unknown }).code !== '55P03') throw error;
    throw new ConnectorError(
      `another writer still holds schema "${schema}" after ${timeoutMs} ms: ${describeHolder(holder)}. ` +
        'Writers of one schema take turns; nothing was written. Retry when it has finished, raise lock_timeout_ms in the destination config, ' +
        'or, if that session is stuck, end it with pg_terminate_backend(pid)',
      { failureType: 'transient_error', cause: error },
    );
  }
}
