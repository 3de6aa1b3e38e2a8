import { describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import type { AirbyteMessage } from '@sync/protocol';
import { connect } from './connection.ts';
import { Stager } from './staging.ts';
import { prepareTables } from './schema-evolution.ts';
import { planTables } from './tables.ts';
import { catalogOf, configuredStream, countOf, useTestSchema, recordLine, runWrite, stateLine } from './test-support.ts';

const db = useTestSchema();
const { url, schema } = db;

describe('staging', () => {
  it('stages typed rows and writes nothing to the table until mergePending(), newest version per key', async () => {
    const tables = planTables(catalogOf(configuredStream('events')), schema);
    const client = await connect(url);
    try {
      await prepareTables(client, schema, tables.values());
      const stager = new Stager(client, tables.values(), { batchSize: 1000 });
      await stager.createStagingTables();
      for (let i = 0; i < 2500; i++) await stager.add('events', { id: `evt_${i % 2200}`, updated: i });
      await stager.flush();
      const staged = await client.query<{ n: string }>('select count(*) as n from pg_temp."_sync_staging_0"');
      expect(Number(staged.rows[0]?.n)).toBe(2500);
      expect(await countOf(db.pool, schema, 'events')).toBe(0);
      expect(stager.closeBatch('events').recordCount).toBe(2500);
      await stager.mergePending();
      expect(await countOf(db.pool, schema, 'events')).toBe(0); // not committed yet
      await stager.commit();
      expect(await countOf(db.pool, schema, 'events')).toBe(2200);
      const { rows } = await db.pool.query<{ updated: number }>(
        `select (_raw_data->>'updated')::int as updated from ${pg.escapeIdentifier(schema)}.events where id = 'evt_5'`,
      );
      expect(rows).toEqual([{ updated: 2205 }]);
    } finally {
      await client.end();
    }
  });

  it('writes rows of any size and characters across COPY chunks, direct and staged, byte for byte', async () => {
    const notes = configuredStream('notes');
    notes.stream.json_schema = { type: 'object', properties: { id: { type: 'string' }, updated: { type: 'integer' }, text: { type: 'string' }, nested: { type: 'object' } } };
    const tables = planTables(catalogOf(notes), schema);
    const client = await connect(url);
    try {
      await prepareTables(client, schema, tables.values());
      // Chunks of 64 bytes: every row ends one, and the 200 KB row outgrows a fresh chunk's room.
      const stager = new Stager(client, tables.values(), { batchSize: 1000, maxBufferBytes: 64 });
      await stager.createStagingTables();
      stager.allowDirect('notes');
      const texts = ['café 日本 😀', 'tab\there, new\nline, cr\r, back\\slash \\N', 'x'.repeat(200_000) + '€', '', '\u0001 ctl'];
      const records = texts.map((text, i) => ({ id: `n_${i}`, updated: i, text, nested: { text } }));
      // The first five are direct rows; their keys again send the batch to staging with the rest.
      for (const record of records) await stager.add('notes', record);
      for (const record of records) await stager.add('notes', { ...record, updated: record.updated + 10 });
      stager.closeBatch('notes');
      await stager.mergePending();
      await stager.commit();
      const { rows } = await db.pool.query<{ id: string; text: string; nested: unknown; raw: unknown }>(
        `select id, text, nested, _raw_data as raw from ${pg.escapeIdentifier(schema)}.notes order by id`,
      );
      expect(rows).toEqual(records.map((r) => ({ id: r.id, text: r.text, nested: r.nested, raw: { ...r, updated: r.updated + 10 } })));
    } finally {
      await client.end();
    }
  });

  it('keeps every row intact when COPY chunks are reused (many small chunks, rows of every size)', async () => {
    const tables = planTables(catalogOf(configuredStream('ledger')), schema);
    const client = await connect(url);
    try {
      await prepareTables(client, schema, tables.values());
      // Chunks of 4 KB: thousands of chunks, each Buffer taken again once the connection has sent it.
      const stager = new Stager(client, tables.values(), { batchSize: 100_000, maxBufferBytes: 4096 });
      await stager.createStagingTables();
      stager.allowDirect('ledger');
      const records = Array.from({ length: 4000 }, (_, i) => ({ id: `led_${i}`, updated: i, note: `${i}:`.padEnd(1 + ((i * 37) % 3000), String.fromCharCode(97 + (i % 26))) }));
      for (const record of records) await stager.add('ledger', record);
      stager.closeBatch('ledger');
      await stager.mergePending();
      await stager.commit();
      const { rows } = await db.pool.query<{ raw: unknown }>(`select _raw_data as raw from ${pg.escapeIdentifier(schema)}.ledger order by (_raw_data->>'updated')::int`);
      expect(rows.map((r) => r.raw)).toEqual(records);
    } finally {
      await client.end();
    }
  });

  it('writes thousands of records between two states in several batches', async () => {
    const catalog = catalogOf(configuredStream('balance_transactions'));
    const messages: AirbyteMessage[] = [];
    for (let i = 0; i < 5000; i++) messages.push(recordLine('balance_transactions', { id: `txn_${i}`, created: i, updated: i }));
    messages.push(stateLine('balance_transactions', 4999, 5000));
    for (let i = 5000; i < 7500; i++) messages.push(recordLine('balance_transactions', { id: `txn_${i}`, updated: i }));
    messages.push(stateLine('balance_transactions', 7499, 2500));
    const committedAtState: number[] = [];
    const result = await runWrite({
      config: { url, schema, batch_size: 700 },
      catalog,
      messages,
      onMessage: async (message) => {
        if (message.type === 'STATE') committedAtState.push(await countOf(db.pool, schema, 'balance_transactions'));
      },
    });
    expect(result.code).toBe(0);
    expect(committedAtState).toEqual([5000, 7500]);
    expect(result.output.filter((m) => m.type === 'STATE').map((m) => m.state.destinationStats)).toEqual([
      { recordCount: 5000 },
      { recordCount: 2500 },
    ]);
  });
});
