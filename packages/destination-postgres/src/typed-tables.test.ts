/** Typed columns, schema evolution, long names and deletes, through the `write` command. */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import type { ConfiguredAirbyteStream } from '@sync/protocol';
import { catalogOf, recordLine, runWrite, stateLine, useTestSchema } from './test-support.ts';

const db = useTestSchema();
const { config, schema } = db;

function stream(name: string, properties: Record<string, unknown>, mode: ConfiguredAirbyteStream['destination_sync_mode'] = 'append_dedup'): ConfiguredAirbyteStream {
  return {
    stream: { name, json_schema: { type: 'object', properties }, supported_sync_modes: ['incremental'], default_cursor_field: ['updated'], source_defined_primary_key: [['id']] },
    sync_mode: 'incremental',
    destination_sync_mode: mode,
    cursor_field: ['updated'],
  };
}

async function columnTypes(table: string): Promise<Record<string, string>> {
  const { rows } = await db.pool.query<{ name: string; type: string }>(
    `select column_name as name, data_type as type from information_schema.columns where table_schema = $1 and table_name = $2`,
    [schema, table],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.type]));
}

const q = (name: string) => `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;

describe('typed columns', () => {
  it('adds one typed column per top-level property, cast from the record', async () => {
    const props = {
      id: { type: 'string' },
      name: { type: ['string', 'null'] },
      balance: { type: 'integer' },
      rate: { type: 'number' },
      delinquent: { type: 'boolean' },
      address: { anyOf: [{ type: 'object' }, { type: 'null' }] },
      created: { type: 'integer', format: 'unix-time' },
      updated: { type: 'integer' },
    };
    const record = { id: 'cus_1', name: 'Ada', balance: 12, rate: 0.5, delinquent: true, address: { city: 'Paris' }, created: 1_700_000_000, updated: 1 };
    const odd = { id: 'cus_2', name: null, balance: 'not a number', rate: 1e30, delinquent: 'yes', created: 'soon', updated: 1 };
    const result = await runWrite({ config, catalog: catalogOf(stream('typed', props)), messages: [recordLine('typed', record), recordLine('typed', odd), stateLine('typed', 1, 2)] });
    expect(result.code).toBe(0);
    expect(await columnTypes('typed')).toMatchObject({
      id: 'text',
      name: 'text',
      balance: 'bigint',
      rate: 'numeric',
      delinquent: 'boolean',
      address: 'jsonb',
      created: 'timestamp with time zone',
      _deleted: 'boolean',
    });
    const { rows } = await db.pool.query(
      `select id, name, balance, rate::text, delinquent, address, created at time zone 'UTC' as created, _raw_data from ${q('typed')} order by id`,
    );
    expect(rows[0]).toMatchObject({ id: 'cus_1', name: 'Ada', balance: '12', rate: '0.5', delinquent: true, address: { city: 'Paris' }, _raw_data: record });
    expect((rows[0].created as Date).toISOString()).toBe('2023-11-14T22:13:20.000Z');
    // Values that do not fit their column are NULL there, and whole in _raw_data.
    expect(rows[1]).toMatchObject({ id: 'cus_2', name: null, balance: null, delinquent: null, created: null, _raw_data: odd });
    expect(rows[1].rate).toBe('1000000000000000000000000000000');
  });

  it('evolves: a new property adds a column, a changed type widens it, no data is lost', async () => {
    const v1 = { id: { type: 'string' }, amount: { type: 'integer' }, label: { type: 'string' }, updated: { type: 'integer' } };
    expect((await runWrite({ config, catalog: catalogOf(stream('evolving', v1)), messages: [recordLine('evolving', { id: 'a', amount: 5, label: 'x', updated: 1 }), stateLine('evolving', 1)] })).code).toBe(0);
    const v2 = { ...v1, amount: { type: 'number' }, label: { type: 'integer' }, tier: { type: 'string' } };
    const run2 = await runWrite({ config, catalog: catalogOf(stream('evolving', v2)), messages: [recordLine('evolving', { id: 'b', amount: 2.5, label: 7, tier: 'gold', updated: 2 }), stateLine('evolving', 2)] });
    expect(run2.code).toBe(0);
    expect(await columnTypes('evolving')).toMatchObject({ amount: 'numeric', label: 'jsonb', tier: 'text' });
    const { rows } = await db.pool.query(`select id, amount::text, label, tier from ${q('evolving')} order by id`);
    expect(rows).toEqual([
      { id: 'a', amount: '5', label: 'x', tier: null },
      { id: 'b', amount: '2.5', label: 7, tier: 'gold' },
    ]);
  });

  it('handles property names longer than 63 bytes', async () => {
    const long = `metadata_${'x'.repeat(70)}`;
    const result = await runWrite({ config, catalog: catalogOf(stream('long_names', { id: { type: 'string' }, [long]: { type: 'string' } })), messages: [recordLine('long_names', { id: 'a', [long]: 'kept', updated: 1 }), stateLine('long_names', 1)] });
    expect(result.code).toBe(0);
    const column = Object.keys(await columnTypes('long_names')).find((c) => c.startsWith('metadata_'))!;
    expect(Buffer.byteLength(column)).toBeLessThanOrEqual(63);
    const { rows } = await db.pool.query(`select ${pg.escapeIdentifier(column)} as v from ${q('long_names')}`);
    expect(rows).toEqual([{ v: 'kept' }]);
  });
});

describe('deletes', () => {
  const props = { id: { type: 'string' }, email: { type: 'string' }, updated: { type: 'integer' } };
  const messages = [
    recordLine('people', { id: 'a', email: 'a@x', updated: 1 }),
    recordLine('people', { id: 'b', email: 'b@x', updated: 1 }),
    stateLine('people', 1),
    recordLine('people', { id: 'a', deleted: true }),
    recordLine('people', { id: 'c', _ab_cdc_deleted_at: '2024-01-01' }),
    stateLine('people', 2),
  ];

  it('soft-deletes by default: the row stays, flagged, with its last data', async () => {
    expect((await runWrite({ config, catalog: catalogOf(stream('people', props)), messages })).code).toBe(0);
    const { rows } = await db.pool.query(`select id, email, _deleted from ${q('people')} order by id`);
    expect(rows).toEqual([
      { id: 'a', email: 'a@x', _deleted: true },
      { id: 'b', email: 'b@x', _deleted: false },
      { id: 'c', email: null, _deleted: true },
    ]);
  });

  it('hard-deletes on request', async () => {
    const catalog = catalogOf({ ...stream('people_hard', props) });
    const renamed = messages.map((m, i) => (m.type === 'RECORD' ? recordLine('people_hard', m.record.data) : stateLine('people_hard', i)));
    expect((await runWrite({ config: { ...config, hard_delete: true }, catalog, messages: renamed })).code).toBe(0);
    const { rows } = await db.pool.query(`select id, _deleted from ${q('people_hard')} order by id`);
    expect(rows).toEqual([{ id: 'b', _deleted: false }]);
  });
});
