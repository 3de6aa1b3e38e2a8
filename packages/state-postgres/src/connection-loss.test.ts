/**
 * A connection of the store that the server drops while it is checked out (a restart between two
 * statements of a transaction) fails that transaction; it must not crash the process, which an
 * unhandled 'error' event on the connection would do.
 */
import pg from 'pg';
import { expect, inject, it } from 'vitest';
import { inTransaction, poolConfig } from './connection.ts';

it('a connection dropped between two statements of a transaction fails the transaction, not the process', async () => {
  const url = inject('databaseUrl');
  const pool = new pg.Pool(poolConfig(url, 2));
  const dropped: Error[] = [];
  pool.on('error', (error) => dropped.push(error));
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const failure = await inTransaction(pool, 'the test database', async (client) => {
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      // Wait for the client itself to see its connection end (a plain listener: events.once would add
      // an 'error' listener of its own and hide what this test is about).
      const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
      await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      await ended;
      await client.query('select 1');
    }).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(/terminat|not queryable/i);
    // The pool still works: the broken connection was not handed out again.
    expect((await pool.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
  } finally {
    await admin.end();
    await pool.end();
  }
});
