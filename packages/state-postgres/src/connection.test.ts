import { createServer } from 'node:net';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { describeDatabase, poolConfig, withoutPassword } from './connection.ts';
import { StateStore } from './state-store.ts';

/** A local port nobody listens on: bind one, then free it. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('connecting', () => {
  it('says where it could not connect and why, without the password', async () => {
    const port = await deadPort();
    const opened = StateStore.open({ url: `postgres://alice:s3cret-pw@127.0.0.1:${port}/warehouse` });
    const error: Error = await opened.then(
      () => {
        throw new Error('open succeeded on a dead port');
      },
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(
      new RegExp(`^cannot connect to the state store at 127\\.0\\.0\\.1:${port}/warehouse: .*ECONNREFUSED`),
    );
    expect(error.message).not.toContain('s3cret-pw');
    expect(error.message).not.toContain('alice');
  });

  it('describes a URL as host:port/db with defaults', () => {
    expect(describeDatabase('postgres://u:p@db.example.com/app')).toBe('db.example.com:5432/app');
    expect(describeDatabase('postgresql://u@h:6543/x')).toBe('h:6543/x');
    expect(describeDatabase('not a url')).toBe('an unparseable database URL');
  });

  it('scrubs the password from any text', () => {
    expect(withoutPassword('auth failed for p%40ss and p@ss', 'postgres://u:p%40ss@h/d')).toBe('auth failed for *** and ***');
  });
});

describe('timeouts', () => {
  it('has the server cancel a statement that runs past the statement timeout', async () => {
    const pool = new pg.Pool(poolConfig(inject('databaseUrl'), 1, { statementTimeoutMs: 50 }));
    try {
      const error = await pool.query('SELECT pg_sleep(30)').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout' });
      // The connection is still good for the next statement.
      expect((await pool.query<{ n: number }>('SELECT 1 AS n')).rows).toEqual([{ n: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('bounds every wait by default and keeps idle connections probed', () => {
    expect(poolConfig('postgres://h/d', 4)).toMatchObject({
      max: 4,
      connectionTimeoutMillis: 10_000,
      statement_timeout: 60_000,
      query_timeout: 65_000,
      idle_in_transaction_session_timeout: 60_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
  });
});
