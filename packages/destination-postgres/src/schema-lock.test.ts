/** One writer at a time per schema: a second writer waits for the first, or fails after lock_timeout_ms. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import type { AirbyteMessage } from '@sync/protocol';
import { describeHolder, schemaLockKey } from './schema-lock.ts';
import { catalogOf, configuredStream, errorsOf, ndjson, randomSchema, recordLine, rowsOf, runWrite, stateLine, useTestSchema } from './test-support.ts';

const db = useTestSchema();
const { config, schema } = db;
const catalog = catalogOf({ ...configuredStream('payments'), destination_sync_mode: 'append' });

/** `url` with its own application_name, so that the session is recognisable in pg_stat_activity. */
function namedUrl(name: string): string {
  const url = new URL(db.url);
  url.searchParams.set('application_name', name);
  return url.toString();
}

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('schema lock', () => {
  it('a second writer of the schema says whom it waits for, and writes only once the first has finished', async () => {
    const writerA = randomSchema('writer_a');
    const inputA = new PassThrough();
    const firstAckOfA = deferred();
    let aFinished = false;
    const a = runWrite({
      config: { ...config, url: namedUrl(writerA) },
      catalog,
      messages: inputA,
      onMessage: async (m) => {
        if (m.type === 'STATE') firstAckOfA.resolve();
        // A's last message: it still holds the lock while this runs.
        if (m.type === 'LOG' && m.log.message.startsWith('committed ')) aFinished = true;
      },
    });
    inputA.write(ndjson([recordLine('payments', { id: 'a1', updated: 1 }), stateLine('payments', 1, 1)]));
    await firstAckOfA.promise;

    const bWaits = deferred<string>();
    const aFinishedAtAckOfB: boolean[] = [];
    const b = runWrite({
      config,
      catalog,
      messages: [recordLine('payments', { id: 'b1', updated: 1 }), stateLine('payments', 2, 1)],
      onMessage: async (m: AirbyteMessage) => {
        if (m.type === 'LOG' && /being written by another writer/.test(m.log.message)) bWaits.resolve(m.log.message);
        if (m.type === 'STATE') aFinishedAtAckOfB.push(aFinished);
      },
    });
    expect(await bWaits.promise).toMatch(
      new RegExp(`^schema "${schema}" is being written by another writer, pid \\d+ \\(${writerA}(?: from \\S+)?, connected since [0-9T:.-]+Z\\): waiting up to 600000 ms for it to finish$`),
    );
    inputA.end(ndjson([recordLine('payments', { id: 'a2', updated: 2 }), stateLine('payments', 2, 1)]));
    const [resultA, resultB] = await Promise.all([a, b]);
    expect(resultA.code, resultA.stderr).toBe(0);
    expect(resultB.code, resultB.stderr).toBe(0);
    expect(aFinishedAtAckOfB).toEqual([true]);
    expect((await rowsOf(db.pool, schema, 'payments')).map((r) => r.key)).toEqual(['a1', 'a2', 'b1']);
  });

  it('fails with a transient_error naming the holder after lock_timeout_ms, having written nothing', async () => {
    const other = randomSchema('dest_pg_locked');
    const holderName = randomSchema('holder');
    const holder = new pg.Client({ connectionString: namedUrl(holderName) });
    await holder.connect();
    try {
      await holder.query('select pg_advisory_lock($1::bigint)', [String(schemaLockKey(other))]);
      const result = await runWrite({ config: { ...config, schema: other, lock_timeout_ms: 200 }, catalog, messages: [recordLine('payments', { id: 'x', updated: 1 })] });
      expect(result.code).toBe(1);
      expect(errorsOf(result.output)).toEqual([
        expect.objectContaining({
          failure_type: 'transient_error',
          message: expect.stringMatching(new RegExp(`^another writer still holds schema "${other}" after 200 ms: pid \\d+ \\(${holderName} .*raise lock_timeout_ms`)),
        }),
      ]);
      const { rows } = await db.pool.query('select 1 from pg_namespace where nspname = $1', [other]);
      expect(rows).toEqual([]);
    } finally {
      await holder.end();
    }
    // The holder's session ended, and with it its lock.
    const after = await runWrite({ config: { ...config, schema: other, lock_timeout_ms: 200 }, catalog, messages: [] });
    expect(after.code, after.stderr).toBe(0);
    await db.pool.query(`drop schema ${pg.escapeIdentifier(other)} cascade`);
  });
});

describe('describeHolder', () => {
  it('names what pg_stat_activity shows of the holder, and copes with what it hides', () => {
    const since = new Date('2026-01-02T03:04:05.000Z');
    expect(describeHolder({ pid: 7, applicationName: 'destination-postgres', clientAddress: '10.0.0.7', since })).toBe(
      'pid 7 (destination-postgres from 10.0.0.7, connected since 2026-01-02T03:04:05.000Z)',
    );
    expect(describeHolder({ pid: 7, applicationName: null, clientAddress: null, since })).toBe('pid 7 (connected since 2026-01-02T03:04:05.000Z)');
    expect(describeHolder({ pid: 7, applicationName: null, clientAddress: null, since: null })).toBe('pid 7');
    expect(describeHolder(undefined)).toBe('a session that has just ended');
  });
});
