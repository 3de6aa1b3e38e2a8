import { describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import type { AirbyteMessage } from '@sync/protocol';
import { catalogOf, configuredStream, countOf, useTestSchema, recordLine, rowsOf, runWrite, stateLine } from './test-support.ts';

const db = useTestSchema();
const { url, schema } = db;
const config = db.config;

async function columnsOf(table: string): Promise<{ name: string; type: string; nullable: string }[]> {
  const { rows } = await db.pool.query<{ name: string; type: string; nullable: string }>(
    `select column_name as name, data_type as type, is_nullable as nullable
       from information_schema.columns where table_schema = $1 and table_name = $2 order by ordinal_position`,
    [schema, table],
  );
  return rows;
}

async function primaryKeyOf(table: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ column: string }>(
    `select a.attname as column
       from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
      where i.indrelid = $1::regclass and i.indisprimary order by a.attnum`,
    [`${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`],
  );
  return rows.map((r) => r.column);
}

describe('tables', () => {
  it('creates one table per stream with key columns, _raw_data, _synced_at and _deleted, idempotently', async () => {
    const catalog = catalogOf(
      configuredStream('customers'),
      configuredStream('line_items', { primaryKey: [['invoice', 'id'], ['id']], cursor: null }),
      configuredStream('events_log', { primaryKey: [], cursor: null }),
    );
    for (let run = 0; run < 2; run++) {
      const result = await runWrite({ config, catalog, messages: [] });
      expect(result.code).toBe(0);
    }
    expect(await columnsOf('customers')).toEqual([
      { name: 'id', type: 'text', nullable: 'NO' },
      { name: '_raw_data', type: 'jsonb', nullable: 'NO' },
      { name: '_synced_at', type: 'timestamp with time zone', nullable: 'NO' },
      { name: '_deleted', type: 'boolean', nullable: 'NO' },
    ]);
    expect(await primaryKeyOf('customers')).toEqual(['id']);
    expect((await columnsOf('line_items')).map((c) => c.name)).toEqual(['invoice_id', 'id', '_raw_data', '_synced_at', '_deleted']);
    expect(await primaryKeyOf('line_items')).toEqual(['invoice_id', 'id']);
    expect((await columnsOf('events_log')).map((c) => c.name)).toEqual(['_raw_data', '_synced_at', '_deleted']);
  });

  it('prefers the configured primary_key over the source-defined one', async () => {
    const stream = configuredStream('prices', { primaryKey: [['id']] });
    const catalog = catalogOf({ ...stream, primary_key: [['lookup_key']] });
    const result = await runWrite({
      config,
      catalog,
      messages: [recordLine('prices', { id: 'p1', lookup_key: 'gold', updated: 1 }), recordLine('prices', { id: 'p2', lookup_key: 'gold', updated: 2 })],
    });
    expect(result.code).toBe(0);
    expect(await primaryKeyOf('prices')).toEqual(['lookup_key']);
    expect(await rowsOf(db.pool, schema, 'prices', 'lookup_key')).toEqual([{ key: 'gold', data: { id: 'p2', lookup_key: 'gold', updated: 2 } }]);
  });
});

describe('upserts', () => {
  it('keeps one row per key: the newest cursor wins, within a batch and across runs', async () => {
    const catalog = catalogOf(configuredStream('customers'));
    const first = await runWrite({
      config,
      catalog,
      messages: [
        recordLine('customers', { id: 'cus_1', updated: 10, name: 'ten' }),
        recordLine('customers', { id: 'cus_1', updated: 30, name: 'thirty' }),
        recordLine('customers', { id: 'cus_1', updated: 20, name: 'twenty' }),
        recordLine('customers', { id: 'cus_2', updated: 5, name: 'a "quoted" \\ back\tslash\nline' }),
        stateLine('customers', 30),
      ],
    });
    expect(first.code).toBe(0);
    expect(await rowsOf(db.pool, schema, 'customers')).toEqual([
      { key: 'cus_1', data: { id: 'cus_1', updated: 30, name: 'thirty' } },
      { key: 'cus_2', data: { id: 'cus_2', updated: 5, name: 'a "quoted" \\ back\tslash\nline' } },
    ]);

    // An older version arriving later (a replay after a crash) does not overwrite the newer one;
    // an equal or newer one does.
    const second = await runWrite({
      config,
      catalog,
      messages: [
        recordLine('customers', { id: 'cus_1', updated: 25, name: 'stale' }),
        recordLine('customers', { id: 'cus_2', updated: 5, name: 'same cursor, later' }),
        stateLine('customers', 30),
      ],
    });
    expect(second.code).toBe(0);
    expect(await rowsOf(db.pool, schema, 'customers')).toEqual([
      { key: 'cus_1', data: { id: 'cus_1', updated: 30, name: 'thirty' } },
      { key: 'cus_2', data: { id: 'cus_2', updated: 5, name: 'same cursor, later' } },
    ]);
  });

  it('without a cursor field, the last version received wins', async () => {
    const catalog = catalogOf(configuredStream('plain', { cursor: null }));
    const result = await runWrite({
      config,
      catalog,
      messages: [recordLine('plain', { id: 'x', v: 2 }), recordLine('plain', { id: 'x', v: 1 }), stateLine('plain', null)],
    });
    expect(result.code).toBe(0);
    expect(await rowsOf(db.pool, schema, 'plain')).toEqual([{ key: 'x', data: { id: 'x', v: 1 } }]);
  });

  it('appends every record of a stream without a primary key', async () => {
    const catalog = catalogOf(configuredStream('audit', { primaryKey: [], cursor: null }));
    const result = await runWrite({
      config,
      catalog,
      messages: [recordLine('audit', { n: 1 }), recordLine('audit', { n: 1 }), recordLine('audit', { n: 2 })],
    });
    expect(result.code).toBe(0);
    expect(await countOf(db.pool, schema, 'audit')).toBe(3);
  });
});

describe('state acknowledgement', () => {
  it('re-emits each STATE in order, with destinationStats, once the records before it are committed', async () => {
    const catalog = catalogOf(configuredStream('charges'), configuredStream('refunds'));
    const seen: { state: AirbyteMessage; charges: number; refunds: number }[] = [];
    const messages: AirbyteMessage[] = [
      recordLine('charges', { id: 'ch_1', updated: 1 }),
      recordLine('refunds', { id: 're_1', updated: 1 }),
      recordLine('charges', { id: 'ch_2', updated: 2 }),
      stateLine('charges', 2, 2),
      { type: 'LOG', log: { level: 'INFO', message: 'from the source; ignored' } },
      { type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: 1, stream_status: { stream_descriptor: { name: 'charges' }, status: 'COMPLETE' } } },
      recordLine('refunds', { id: 're_2', updated: 2 }),
      stateLine('refunds', 2, 2),
      recordLine('charges', { id: 'ch_3', updated: 3 }),
      recordLine('charges', { id: 'ch_3', updated: 4 }),
      stateLine('charges', 4, 2),
      { type: 'STATE', state: { type: 'GLOBAL', global: { shared_state: { lsn: 7 }, stream_states: [] } } },
    ];
    const result = await runWrite({
      config: { ...config, commit_interval_ms: 0 },
      catalog,
      messages,
      // A second connection sees only committed rows: this checks durability, not visibility in
      // the destination's own transaction.
      onMessage: async (message) => {
        if (message.type !== 'STATE') return;
        seen.push({ state: message, charges: await countOf(db.pool, schema, 'charges'), refunds: await countOf(db.pool, schema, 'refunds') });
      },
    });
    expect(result.code).toBe(0);
    const inputStates = messages.filter((m) => m.type === 'STATE');
    expect(seen.map((s) => s.state)).toEqual([
      withStats(inputStates[0]!, 2),
      withStats(inputStates[1]!, 2),
      withStats(inputStates[2]!, 2),
      withStats(inputStates[3]!, 0),
    ]);
    // A STREAM state commits its own stream's batch: re_1 waits for the refunds state.
    expect(seen.map(({ charges, refunds }) => ({ charges, refunds }))).toEqual([
      { charges: 2, refunds: 0 },
      { charges: 2, refunds: 2 },
      { charges: 3, refunds: 2 },
      { charges: 3, refunds: 2 },
    ]);
    expect(result.output.filter((m) => m.type !== 'STATE' && m.type !== 'LOG')).toEqual([]);
  });

  it('counts every stream in a GLOBAL or LEGACY state', async () => {
    const catalog = catalogOf(configuredStream('a_stream'), configuredStream('b_stream'));
    const result = await runWrite({
      config,
      catalog,
      messages: [
        recordLine('a_stream', { id: '1', updated: 1 }),
        recordLine('b_stream', { id: '1', updated: 1 }),
        { type: 'STATE', state: { type: 'GLOBAL', global: { stream_states: [] } } },
        recordLine('b_stream', { id: '2', updated: 1 }),
        { type: 'STATE', state: { data: { legacy: true } } },
      ],
    });
    expect(result.code).toBe(0);
    const states = result.output.filter((m) => m.type === 'STATE');
    expect(states.map((m) => m.state.destinationStats)).toEqual([{ recordCount: 2 }, { recordCount: 1 }]);
  });

  it('commits records after the last STATE at end of input, without emitting a state for them', async () => {
    const catalog = catalogOf(configuredStream('payouts'));
    const result = await runWrite({
      config,
      catalog,
      messages: [
        recordLine('payouts', { id: 'po_1', updated: 1 }),
        stateLine('payouts', 1, 1),
        recordLine('payouts', { id: 'po_2', updated: 2 }),
        recordLine('payouts', { id: 'po_3', updated: 3 }),
      ],
    });
    expect(result.code).toBe(0);
    expect(result.output.filter((m) => m.type === 'STATE')).toHaveLength(1);
    expect((await rowsOf(db.pool, schema, 'payouts')).map((r) => r.key)).toEqual(['po_1', 'po_2', 'po_3']);
  });
});

function withStats(message: AirbyteMessage, recordCount: number): AirbyteMessage {
  if (message.type !== 'STATE') throw new Error('not a STATE');
  return { ...message, state: { ...message.state, destinationStats: { recordCount } } };
}
