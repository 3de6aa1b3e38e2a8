/**
 * The destination against the emulator over HTTP with injected faults: requests that fail after
 * being applied, or without being applied, answered by a 5xx, a dropped connection or no answer at
 * all (the client's timeout). Whatever the fault, each tab ends exactly as it should: no row doubled,
 * none lost, no wrong row deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AirbyteMessage } from '@sync/protocol';
import { record, streamState } from '@sync/connector-kit';
import { startSheetsEmulator, type SheetsEmulator, type SheetsFault } from '@sync/google-sheets-emulator';
import { customer, customersStream, destinationKit } from './test-support.ts';

let sheets: SheetsEmulator;
beforeAll(async () => {
  sheets = await startSheetsEmulator();
});
afterAll(() => sheets?.close());

const { config, write } = destinationKit(() => sheets);
/** Short enough that a hung request is given up quickly, long enough for any normal one. */
const cfg = (spreadsheetId: string) => config({ spreadsheet_id: spreadsheetId, request_timeout_ms: 1_000 });

type Failure = { status: 500 | 503 } | { failure: 'drop' | 'hang' };
const failures: [string, Failure][] = [
  ['HTTP 500', { status: 500 }],
  ['HTTP 503', { status: 503 }],
  ['a dropped connection', { failure: 'drop' }],
  ['no answer (timeout)', { failure: 'hang' }],
];
/** Every failure, applied first and not applied. */
const cases: [string, boolean, Failure][] = failures.flatMap(([name, failure]) => [
  [`${name} after the write was applied`, true, failure] as [string, boolean, Failure],
  [`${name} before the write was applied`, false, failure] as [string, boolean, Failure],
]);

function fault(failure: Failure, applied: boolean, target: { pathContains?: string; bodyContains?: string; method?: string }): SheetsFault {
  return { ...failure, ...target, applied, count: 1 };
}

const ids = (spreadsheetId: string, tab = 'customers') => sheets.values(spreadsheetId, tab).slice(1).map((row) => row[0]);
const state = (n: number): AirbyteMessage => streamState('customers', { n }, 1);

describe('appends under faults', () => {
  it.each(cases)('append_dedup: %s leaves every row once', async (_name, applied, failure) => {
    const id = sheets.createSpreadsheet('append-dedup');
    await write(cfg(id), [customer(1, 1), customer(2, 1), state(1)]);
    sheets.inject(fault(failure, applied, { pathContains: ':append' }));
    await write(cfg(id), [customer(3, 1), customer(4, 1), customer(2, 2, { email: 'two@x.test' }), state(2)]);
    expect(sheets.faultsLeft()).toBe(0);
    expect(sheets.values(id, 'customers')).toEqual([
      ['id', 'created', 'email', 'address'],
      ['cus_1', '1', 'c1@x.test'],
      ['cus_2', '2', 'two@x.test'],
      ['cus_3', '1', 'c3@x.test'],
      ['cus_4', '1', 'c4@x.test'],
    ]);
    // The index holds the right rows: updating an appended row finds it.
    await write(cfg(id), [customer(4, 5, { email: 'four@x.test' }), state(3)]);
    expect(sheets.values(id, 'customers')[4]).toEqual(['cus_4', '5', 'four@x.test']);
  });

  it.each(cases)('append mode, rows repeating the ones before them: %s', async (_name, applied, failure) => {
    // A tab made by hand: a grid of 1,000 rows with the data at the top.
    const id = sheets.createSpreadsheet('append-repeats', ['customers']);
    const appendCatalog = { streams: [customersStream('append')] };
    await write(cfg(id), [customer(1, 1), customer(2, 1), state(1)], appendCatalog);
    sheets.inject(fault(failure, applied, { pathContains: ':append' }));
    // The same two records again: the tail of the tab already shows them, yet they were not appended.
    await write(cfg(id), [customer(1, 1), customer(2, 1), state(2)], appendCatalog);
    expect(sheets.faultsLeft()).toBe(0);
    expect(ids(id)).toEqual(['cus_1', 'cus_2', 'cus_1', 'cus_2']);
  });
});

describe('row deletions under faults', () => {
  it.each(cases)('deleted records: %s deletes exactly their rows', async (_name, applied, failure) => {
    const id = sheets.createSpreadsheet('deletes');
    await write(cfg(id), [1, 2, 3, 4, 5, 6].map((n) => customer(n, 1)).concat(state(1)));
    sheets.inject(fault(failure, applied, { bodyContains: 'deleteDimension' }));
    // cus_2 and cus_3 are one range; resending it after it was applied would delete cus_4 and cus_5.
    await write(cfg(id), [
      record('customers', { id: 'cus_2', _deleted: true }),
      record('customers', { id: 'cus_3', deleted: true }),
      record('customers', { id: 'cus_5', _ab_cdc_deleted_at: '2024-01-01T00:00:00Z' }),
      state(2),
    ]);
    expect(sheets.faultsLeft()).toBe(0);
    expect(ids(id)).toEqual(['cus_1', 'cus_4', 'cus_6']);
    expect(sheets.grid(id, 'customers').rowCount).toBe(4);
    // Row numbers moved: a later update and a later append land where they should.
    await write(cfg(id), [customer(6, 2, { email: 'six@x.test' }), customer(7, 1), state(3)]);
    expect(sheets.values(id, 'customers').slice(1)).toEqual([
      ['cus_1', '1', 'c1@x.test'],
      ['cus_4', '1', 'c4@x.test'],
      ['cus_6', '2', 'six@x.test'],
      ['cus_7', '1', 'c7@x.test'],
    ]);
  });

  it.each(cases)('duplicate keys cleaned at the start: %s keeps the first row of each key', async (_name, applied, failure) => {
    const id = sheets.createSpreadsheet('duplicates', ['customers']);
    const seeded = [['id', 'created', 'email'], ['cus_1', '1', 'a'], ['cus_2', '1', 'b'], ['cus_1', '1', 'copy'], ['cus_3', '1', 'c'], ['cus_2', '1', 'copy'], ['cus_4', '1', 'd']];
    seeded.forEach((row, r) => row.forEach((value, c) => sheets.setCell(id, 'customers', r, c, value)));
    sheets.inject(fault(failure, applied, { bodyContains: 'deleteDimension' }));
    await write(cfg(id), [customer(5, 1), state(1)]);
    expect(sheets.faultsLeft()).toBe(0);
    expect(sheets.values(id, 'customers').slice(1).map((row) => row.slice(0, 3))).toEqual([
      ['cus_1', '1', 'a'],
      ['cus_2', '1', 'b'],
      ['cus_3', '1', 'c'],
      ['cus_4', '1', 'd'],
      ['cus_5', '1', 'c5@x.test'],
    ]);
  });
});

describe('other writes and reads under faults', () => {
  it.each(cases)('a new tab and new columns: %s adds each once', async (_name, applied, failure) => {
    const id = sheets.createSpreadsheet('grid');
    sheets.inject(fault(failure, applied, { bodyContains: 'addSheet' }));
    await write(cfg(id), [customer(1, 1), state(1)]);
    sheets.inject(fault(failure, applied, { bodyContains: 'appendDimension' }));
    await write(cfg(id), [customer(2, 1, { phone: '+33', plan: 'pro' }), state(2)]);
    expect(sheets.faultsLeft()).toBe(0);
    expect(sheets.sheetTitles(id)).toEqual(['Sheet1', 'customers']);
    expect(sheets.values(id, 'customers')[0]).toEqual(['id', 'created', 'email', 'address', 'phone', 'plan']);
    expect(sheets.grid(id, 'customers').columnCount).toBe(6);
  });

  it('retries a read that times out', async () => {
    const id = sheets.createSpreadsheet('read');
    await write(cfg(id), [customer(1, 1), state(1)]);
    sheets.inject({ failure: 'hang', count: 2, method: 'GET', pathContains: '/values/' });
    const out = await write(cfg(id), [customer(1, 2, { email: 'new@x.test' }), state(2)]);
    expect(sheets.faultsLeft()).toBe(0);
    expect(out.filter((m) => m.type === 'STATE')).toHaveLength(1);
    expect(sheets.values(id, 'customers').slice(1)).toEqual([['cus_1', '2', 'new@x.test']]);
  });

  it('does not create a second spreadsheet after an ambiguous failure of spreadsheets.create, and says what to do', async () => {
    const before = sheets.spreadsheetIds().length;
    sheets.inject({ status: 500, count: 1, method: 'POST', pathContains: '/v4/spreadsheets', applied: true });
    await expect(write(config({ spreadsheet_title: 'Once' }), [customer(1, 1), state(1)])).rejects.toThrow(
      /spreadsheets\.create failed \(HTTP 500\) and may or may not have been applied.*A spreadsheet titled "Once" may have been created: look for it in Google Drive and set spreadsheet_id/,
    );
    expect(sheets.spreadsheetIds().length).toBe(before + 1);
  });
});
