/** Connection settings: TCP keepalive, connect timeout, statement_timeout and what a timed-out statement does. */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { clientConfig, connect, KEEPALIVE_INITIAL_DELAY_MS } from './connection.ts';
import { catalogOf, configuredStream, errorsOf, recordLine, rowsOf, runWrite, stateLine, useTestSchema } from './test-support.ts';

const db = useTestSchema();
const { config, schema } = db;

describe('connection settings', () => {
  it('turns TCP keepalive on and uses the configured connect timeout', () => {
    expect(clientConfig(db.url, { connectTimeoutMs: 1234 })).toMatchObject({
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
      connectionTimeoutMillis: 1234,
    });
  });

  it('sets the session statement_timeout, 0 meaning none', async () => {
    for (const [ms, shown] of [[1500, '1500ms'], [0, '0']] as const) {
      const client = await connect(db.url, { statementTimeoutMs: ms });
      try {
        const { rows } = await client.query<{ statement_timeout: string }>('show statement_timeout');
        expect(rows[0]?.statement_timeout).toBe(shown);
      } finally {
        await client.end();
      }
    }
  });
});

describe('statement timeout', () => {
  it('fails a merge that outlives statement_timeout_ms with a transient_error, committing nothing of its batch', async () => {
    const catalog = catalogOf(configuredStream('disputes'));
    // Holds the table from the first acknowledgement on, so that the second merge waits past the timeout.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      const result = await runWrite({
        config: { ...config, statement_timeout_ms: 300, commit_interval_ms: 0 },
        catalog,
        messages: [
          recordLine('disputes', { id: 'dp_1', updated: 1 }),
          stateLine('disputes', 1, 1),
          recordLine('disputes', { id: 'dp_2', updated: 2 }),
          stateLine('disputes', 2, 1),
        ],
        onMessage: async (message) => {
          if (message.type !== 'STATE') return;
          await blocker.query('begin');
          await blocker.query(`lock table ${pg.escapeIdentifier(schema)}.disputes in access exclusive mode`);
        },
      });
      await blocker.query('rollback');
      expect(result.code).toBe(1);
      expect(result.output.filter((m) => m.type === 'STATE')).toHaveLength(1);
      expect(errorsOf(result.output)).toEqual([
        expect.objectContaining({
          failure_type: 'transient_error',
          message: expect.stringMatching(/^a statement ran longer than statement_timeout_ms \(300 ms\) at .* and was canceled\. Records since the last acknowledged STATE were not committed; .* raise statement_timeout_ms/),
        }),
      ]);
    } finally {
      await blocker.end();
    }
    expect((await rowsOf(db.pool, schema, 'disputes')).map((r) => r.key)).toEqual(['dp_1']);
    const { rows } = await db.pool.query(`select count(*)::int as n from ${pg.escapeIdentifier(schema)}._sync_checkpoints where stream = 'disputes'`);
    expect(rows).toEqual([{ n: 1 }]);
  });
});
