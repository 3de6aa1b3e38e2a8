import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirbyteMessage } from '@sync/protocol';
import { record, streamState } from '@sync/connector-kit';
import { startSheetsEmulator, type SheetsEmulator } from '@sync/google-sheets-emulator';
import { MAX_CELL_CHARACTERS } from './cells.ts';
import { customer, customersStream, destinationKit } from './test-support.ts';

let sheets: SheetsEmulator;
beforeAll(async () => {
  sheets = await startSheetsEmulator();
});
afterAll(() => sheets?.close());

const { destination, config, write } = destinationKit(() => sheets);
const catalog = { streams: [customersStream()] };

const warnings = (out: AirbyteMessage[]) => out.flatMap((m) => (m.type === 'LOG' && m.log.level === 'WARN' ? [m.log.message] : []));

describe('destination-google-sheets write', () => {
  it('creates the spreadsheet from a title, says so in a CONTROL message, writes a header and one row per record', async () => {
    const out = await write(config({ spreadsheet_title: 'Stripe' }), [
      customer(1, 100, { address: { city: 'Paris' } }),
      customer(2, 100),
      streamState('customers', { cursor: 100 }, 2),
    ]);
    const control = out.find((m) => m.type === 'CONTROL');
    const id = control?.control.connectorConfig?.config.spreadsheet_id as string;
    expect(sheets.spreadsheetIds()).toContain(id);
    expect(control?.control.connectorConfig?.config.spreadsheet_title).toBe('Stripe');
    expect(sheets.values(id, 'customers')).toEqual([
      ['id', 'created', 'email', 'address'],
      ['cus_1', '100', 'c1@x.test', '{"city":"Paris"}'],
      ['cus_2', '100', 'c2@x.test'],
    ]);
    const states = out.filter((m) => m.type === 'STATE');
    expect(states).toHaveLength(1);
    expect(states[0]!.state.destinationStats?.recordCount).toBe(2);
  });

  it('updates rows in place by primary key (newer wins), deletes rows of deleted records, adds new columns at the end', async () => {
    const id = sheets.createSpreadsheet('dedup');
    await write(config({ spreadsheet_id: id }), [customer(1, 100), customer(2, 100), customer(3, 100), customer(4, 100), streamState('customers', {}, 4)]);
    const out = await write(config({ spreadsheet_id: id }), [
      customer(2, 200, { email: 'new@x.test' }),
      customer(3, 50, { email: 'stale@x.test' }), // older: ignored
      record('customers', { id: 'cus_1', _deleted: true }),
      customer(5, 300, { phone: '+33' }),
      streamState('customers', {}, 4),
    ]);
    expect(out.filter((m) => m.type === 'CONTROL')).toHaveLength(0);
    expect(sheets.values(id, 'customers')).toEqual([
      ['id', 'created', 'email', 'address', 'phone'],
      ['cus_2', '200', 'new@x.test'],
      ['cus_3', '100', 'c3@x.test'],
      ['cus_4', '100', 'c4@x.test'],
      ['cus_5', '300', 'c5@x.test', '', '+33'],
    ]);
    // The index survives the deletion: a later update finds the shifted row.
    await write(config({ spreadsheet_id: id }), [customer(4, 400, { email: 'four@x.test' }), streamState('customers', {}, 1)]);
    expect(sheets.values(id, 'customers')[3]).toEqual(['cus_4', '400', 'four@x.test']);
    expect(sheets.values(id, 'customers')).toHaveLength(5);
  });

  it('deletes rows repeating a primary key already in the sheet, keeps the first, updates it in place, and warns', async () => {
    const id = sheets.createSpreadsheet('duplicates', ['customers']);
    const seeded = [
      ['id', 'created', 'email'],
      ['cus_1', '100', 'first@x.test'],
      ['cus_2', '100', 'two@x.test'],
      ['cus_1', '150', 'copy@x.test'],
      ['cus_3', '100', 'three@x.test'],
      ['cus_1', '90', 'old-copy@x.test'],
      ['cus_2', '100', 'two-copy@x.test'],
    ];
    seeded.forEach((row, r) => row.forEach((value, c) => sheets.setCell(id, 'customers', r, c, value)));
    const rowsBefore = sheets.grid(id, 'customers').rowCount;

    const out = await write(config({ spreadsheet_id: id }), [
      customer(1, 200, { email: 'newest@x.test' }),
      customer(3, 300, { email: 'three-new@x.test' }),
      customer(4, 400),
      streamState('customers', {}, 3),
    ]);

    expect(sheets.values(id, 'customers')).toEqual([
      ['id', 'created', 'email', 'address'],
      ['cus_1', '200', 'newest@x.test'],
      ['cus_2', '100', 'two@x.test'],
      ['cus_3', '300', 'three-new@x.test'],
      ['cus_4', '400', 'c4@x.test'],
    ]);
    expect(sheets.grid(id, 'customers').rowCount).toBe(rowsBefore - 3);
    expect(warnings(out)).toEqual(["tab 'customers': deleted 3 rows repeating a primary key of an earlier row (append_dedup keeps one row per key, the first)"]);

    // Clean now: a second run deletes nothing and warns about nothing.
    const again = await write(config({ spreadsheet_id: id }), [customer(2, 500), streamState('customers', {}, 1)]);
    expect(warnings(again)).toEqual([]);
    expect(sheets.values(id, 'customers')[2]).toEqual(['cus_2', '500', 'c2@x.test']);
    expect(sheets.values(id, 'customers')).toHaveLength(5);
  });

  it('takes every delete convention as a delete: append_dedup removes the row and adds no column, append marks the row', async () => {
    const id = sheets.createSpreadsheet('deletes');
    await write(config({ spreadsheet_id: id }), [customer(1, 1), customer(2, 1), customer(3, 1), customer(4, 1), streamState('customers', {}, 4)]);
    await write(config({ spreadsheet_id: id }), [
      record('customers', { id: 'cus_1', _deleted: true, note: 'gone' }),
      record('customers', { id: 'cus_2', object: 'customer', deleted: true }),
      record('customers', { id: 'cus_3', created: 2, _ab_cdc_deleted_at: '2024-05-01T00:00:00Z' }),
      streamState('customers', {}, 3),
    ]);
    expect(sheets.values(id, 'customers')).toEqual([
      ['id', 'created', 'email', 'address'],
      ['cus_4', '1', 'c4@x.test'],
    ]);

    const appendCatalog = { streams: [customersStream('append')] };
    const log = sheets.createSpreadsheet('append-deletes');
    await write(config({ spreadsheet_id: log }), [customer(1, 1), record('customers', { id: 'cus_1', created: 2, _deleted: true }), streamState('customers', {}, 2)], appendCatalog);
    expect(sheets.values(log, 'customers')).toEqual([
      ['id', 'created', 'email', 'address', '_deleted'],
      ['cus_1', '1', 'c1@x.test'],
      ['cus_1', '2', '', '', 'TRUE'],
    ]);
  });

  it('truncates an over-long value with a visible marker instead of failing', async () => {
    const id = sheets.createSpreadsheet('long');
    await write(config({ spreadsheet_id: id }), [customer(1, 1, { email: 'x'.repeat(80_000) }), streamState('customers', {}, 1)]);
    const cell = sheets.values(id, 'customers')[1]![2]!;
    expect(cell).toHaveLength(MAX_CELL_CHARACTERS);
    expect(cell).toMatch(/…\[truncated: 80,000 characters\]$/);
  });

  it('acknowledges each STATE after its batch, not only at the end, and survives 429s and 5xx', async () => {
    const id = sheets.createSpreadsheet('batches');
    const acked: number[] = [];
    const messages = (async function* (): AsyncGenerator<AirbyteMessage> {
      for (let page = 0; page < 5; page++) {
        for (let i = 0; i < 10; i++) yield customer(page * 10 + i, page);
        yield streamState('customers', { page }, 10);
        // Once a full batch (20 rows) has passed, its states must already be out.
        if (page === 2) expect(acked).toEqual([0, 1]);
      }
    })();
    sheets.inject({ status: 429, count: 6 });
    sheets.inject({ status: 503, count: 2 });
    for await (const m of destination.write({ config: config({ spreadsheet_id: id, batch_size: 20 }), catalog, messages })) {
      if (m.type === 'STATE') acked.push((m.state.stream?.stream_state as { page: number }).page);
    }
    expect(acked).toEqual([0, 1, 2, 3, 4]);
    expect(sheets.values(id, 'customers')).toHaveLength(51);
    expect(sheets.statusCounts()[429]).toBeGreaterThanOrEqual(6);
  });

  it('fails with a clear error when the spreadsheet does not exist', async () => {
    await expect(write(config({ spreadsheet_id: 'nope' }), [])).rejects.toThrow(/HTTP 404.*check spreadsheet_id/);
  });
});
