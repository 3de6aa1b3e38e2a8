/**
 * Direct rows (staging.ts): a write into a table it found empty puts rows straight into it while the
 * merge could only insert them. The result must be exactly what the merge gives: the same stream,
 * written into an empty table and into one holding an unrelated row (merge path only), must end equal.
 */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import type { AirbyteMessage, ConfiguredAirbyteStream } from '@sync/protocol';
import { errorTrace } from '@sync/connector-kit';
import { catalogOf, configuredStream, recordLine, rowsOf, runWrite, stateLine, useTestSchema } from './test-support.ts';

const db = useTestSchema();
const { config, schema } = db;

/** Batches with keys repeated within a batch (first written direct, then again), across batches, and deletes. */
function messages(stream: string): AirbyteMessage[] {
  const r = (id: string, updated: number, extra: Record<string, unknown> = {}) => recordLine(stream, { id, updated, amount: updated * 10, ...extra });
  return [
    r('a', 1), r('b', 1), r('c', 1), stateLine(stream, 1, 3),
    // b again (written by the previous batch), d new, then d again in this batch with an older cursor.
    r('d', 5), r('b', 2), r('d', 4), stateLine(stream, 2, 3),
    // e new (direct), then e deleted, then e again, newer but not deleted: the delete wins within a batch.
    r('e', 1), r('f', 1), r('e', 1, { _deleted: true }), r('e', 9), stateLine(stream, 3, 4),
    // a deleted (written by batch 1), g deleted and never seen, h appears twice with the same cursor: the last wins.
    r('a', 3, { deleted: true }), r('g', 1, { _deleted: true }), r('h', 1, { v: 1 }), r('h', 1, { v: 2 }), stateLine(stream, 4, 4),
    r('i', 1),
  ];
}

async function table(name: string): Promise<unknown[]> {
  const { rows } = await db.pool.query(
    `select id, amount, updated, _deleted, _raw_data from ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)} order by id`,
  );
  return rows;
}

describe('direct rows', () => {
  for (const hard of [false, true]) {
    it(`end as the merge ends them (${hard ? 'hard' : 'soft'} deletes)`, async () => {
      const stream = (name: string): ConfiguredAirbyteStream => ({
        ...configuredStream(name),
        stream: { ...configuredStream(name).stream, json_schema: { type: 'object', properties: { id: { type: 'string' }, amount: { type: 'integer' }, updated: { type: 'integer' } } } },
      });
      const [direct, merged] = [`direct_${hard}`, `merged_${hard}`];
      // The merged table first holds an unrelated row, so that the write takes the merge path only.
      expect((await runWrite({ config, catalog: catalogOf(stream(merged)), messages: [recordLine(merged, { id: 'zz', updated: 1 })] })).code).toBe(0);
      for (const name of [direct, merged]) {
        const result = await runWrite({ config: { ...config, hard_delete: hard }, catalog: catalogOf(stream(name)), messages: messages(name) });
        expect(result.code).toBe(0);
      }
      const expected = (await table(merged)).filter((row) => (row as { id: string }).id !== 'zz');
      expect(await table(direct)).toEqual(expected);
      expect(expected.map((row) => (row as { id: string }).id)).toEqual(hard ? ['b', 'c', 'd', 'f', 'h', 'i'] : ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
    });
  }

  it('a replayed batch of direct rows is undone (append)', async () => {
    const catalog = catalogOf({ ...configuredStream('payouts'), destination_sync_mode: 'append' });
    const batch = [recordLine('payouts', { id: 'po_1', updated: 1 }), recordLine('payouts', { id: 'po_2', updated: 2 }), stateLine('payouts', 2, 2)];
    expect((await runWrite({ config, catalog, messages: batch })).code).toBe(0);
    const replay = await runWrite({ config, catalog, messages: [...batch, recordLine('payouts', { id: 'po_3', updated: 3 }), stateLine('payouts', 3, 1)] });
    expect(replay.code).toBe(0);
    expect((await rowsOf(db.pool, schema, 'payouts')).map((r) => r.key)).toEqual(['po_1', 'po_2', 'po_3']);
  });

  it('a state of another stream commits none of them; an input abort then leaves the table empty', async () => {
    const result = await runWrite({
      config,
      catalog: catalogOf(configuredStream('coupons')),
      messages: [
        recordLine('coupons', { id: 'co_1', updated: 1 }),
        stateLine('not_in_catalog', 1, 0),
        recordLine('coupons', { id: 'co_2', updated: 2 }),
        errorTrace('the source failed', { failureType: 'transient_error' }),
      ],
    });
    expect(result.code).toBe(1);
    expect(await rowsOf(db.pool, schema, 'coupons')).toEqual([]);
  });
});
