/**
 * Deletes in every sync mode, in each of the conventions of @sync/protocol's `isDeletedRecord`
 * (`_deleted: true` from our sources, Stripe's `deleted: true`, Airbyte CDC's `_ab_cdc_deleted_at`):
 * the `_deleted` column, not only `_raw_data`, says it, and `hard_delete` removes the row.
 */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import type { AirbyteMessage, ConfiguredAirbyteStream } from '@sync/protocol';
import { catalogOf, configuredStream, deletedFlagsOf, recordLine, runWrite, stateLine, useTestSchema } from './test-support.ts';

const db = useTestSchema();
const { schema } = db;

/** Live versions of d1…d5, then (next batch) deletes of d1–d3 in the three conventions and two non-deletes. */
function history(stream: string): AirbyteMessage[] {
  const live = (id: string) => recordLine(stream, { id, updated: 1, name: `live ${id}` });
  return [
    live('d1'),
    live('d2'),
    live('d3'),
    live('d4'),
    live('d5'),
    stateLine(stream, 1, 5),
    recordLine(stream, { id: 'd1', updated: 2, name: 'live d1', _deleted: true }),
    recordLine(stream, { id: 'd2', deleted: true }),
    recordLine(stream, { id: 'd3', updated: 2, _ab_cdc_deleted_at: '2024-05-01T00:00:00Z' }),
    recordLine(stream, { id: 'd4', updated: 2, _deleted: false, deleted: false }),
    recordLine(stream, { id: 'd5', updated: 2, _ab_cdc_deleted_at: null }),
    // A delete of a key never seen, and a key created then deleted within one batch.
    recordLine(stream, { id: 'd6', updated: 2, _deleted: true }),
    live('d7'),
    recordLine(stream, { id: 'd7', updated: 1, _deleted: true }),
    stateLine(stream, 2, 8),
  ];
}

const complete = (stream: string): AirbyteMessage => ({
  type: 'TRACE',
  trace: { type: 'STREAM_STATUS', emitted_at: 1, stream_status: { stream_descriptor: { name: stream }, status: 'COMPLETE' } },
});

async function write(stream: ConfiguredAirbyteStream, hardDelete: boolean): Promise<{ key: string; deleted: boolean }[]> {
  const name = stream.stream.name;
  const messages = [...history(name), ...(stream.destination_sync_mode === 'overwrite' ? [complete(name)] : [])];
  const result = await runWrite({ config: { ...db.config, hard_delete: hardDelete }, catalog: catalogOf(stream), messages });
  expect(result.code, result.stderr).toBe(0);
  return deletedFlagsOf(db.pool, schema, name);
}

const flags = (deleted: string[], live: string[]) =>
  [...deleted.map((key) => ({ key, deleted: true })), ...live.map((key) => ({ key, deleted: false }))].sort((a, b) => (a.key < b.key ? -1 : 1));

describe('deletes', () => {
  it('append_dedup, soft: every convention sets the _deleted column and keeps the row', async () => {
    expect(await write(configuredStream('dedup_soft'), false)).toEqual(flags(['d1', 'd2', 'd3', 'd6', 'd7'], ['d4', 'd5']));
    // The soft-deleted row keeps its last data.
    const { rows } = await db.pool.query(`select _raw_data->>'name' as name from "${schema}".dedup_soft where id = 'd2'`);
    expect(rows).toEqual([{ name: 'live d2' }]);
  });

  it('append_dedup, hard: every convention removes the row', async () => {
    expect(await write(configuredStream('dedup_hard'), true)).toEqual(flags([], ['d4', 'd5']));
  });

  it('overwrite, soft and hard: the same, in the swapped-in table', async () => {
    const overwrite = (name: string): ConfiguredAirbyteStream => ({ ...configuredStream(name), sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' });
    expect(await write(overwrite('overwrite_soft'), false)).toEqual(flags(['d1', 'd2', 'd3', 'd6', 'd7'], ['d4', 'd5']));
    expect(await write(overwrite('overwrite_hard'), true)).toEqual(flags([], ['d4', 'd5']));
  });

  it('append: a row per version, the delete versions flagged, with or without hard_delete', async () => {
    const versions = [
      ...['d1', 'd2', 'd3', 'd4', 'd5', 'd7'].map((key) => ({ key, deleted: false })),
      ...['d1', 'd2', 'd3', 'd6', 'd7'].map((key) => ({ key, deleted: true })),
      ...['d4', 'd5'].map((key) => ({ key, deleted: false })),
    ].sort((a, b) => (a.key === b.key ? Number(a.deleted) - Number(b.deleted) : a.key < b.key ? -1 : 1));
    const append = (name: string): ConfiguredAirbyteStream => ({ ...configuredStream(name), destination_sync_mode: 'append' });
    expect(await write(append('append_soft'), false)).toEqual(versions);
    expect(await write(append('append_hard'), true)).toEqual(versions);
  });

  it('repairs, once, the flags of a table written before `_deleted: true` was recognised', async () => {
    for (const hardDelete of [false, true]) {
      const name = hardDelete ? 'legacy_hard' : 'legacy_soft';
      const table = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;
      expect((await runWrite({ config: db.config, catalog: catalogOf(configuredStream(name)), messages: [] })).code).toBe(0);
      // As the earlier version left it: delete records stored as live rows, and no comment on _deleted.
      const stored = [
        { id: 'd1', updated: 2, _deleted: true },
        { id: 'd2', deleted: true },
        { id: 'd3', updated: 2, _ab_cdc_deleted_at: '2024-05-01T00:00:00Z' },
        { id: 'd4', updated: 2, _deleted: false, deleted: false },
        { id: 'd5', updated: 2, _ab_cdc_deleted_at: null },
      ];
      for (const data of stored) await db.pool.query(`insert into ${table} (id, _raw_data) values ($1, $2)`, [data.id, data]);
      await db.pool.query(`comment on column ${table}._deleted is null`);

      const result = await runWrite({ config: { ...db.config, hard_delete: hardDelete }, catalog: catalogOf(configuredStream(name)), messages: [] });
      expect(result.code, result.stderr).toBe(0);
      expect(await deletedFlagsOf(db.pool, schema, name)).toEqual(hardDelete ? flags([], ['d4', 'd5']) : flags(['d1', 'd2', 'd3'], ['d4', 'd5']));

      // Once: a later write does not scan the table again.
      await db.pool.query(`update ${table} set _raw_data = _raw_data || '{"_deleted": true}' where id = 'd4'`);
      expect((await runWrite({ config: { ...db.config, hard_delete: hardDelete }, catalog: catalogOf(configuredStream(name)), messages: [] })).code).toBe(0);
      expect((await deletedFlagsOf(db.pool, schema, name)).find((r) => r.key === 'd4')).toEqual({ key: 'd4', deleted: false });
    }
  });
});
