/**
 * Input abort through the protocol harness: a TRACE ERROR on the destination's stdin (the upstream
 * failed) makes its input throw. The Sheets destination then writes nothing after the last STATE it
 * acknowledged (no append, no update in place, no deletion), acknowledges nothing more and exits 1.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeMessage, type AirbyteMessage } from '@sync/protocol';
import { errorTrace, record, runConnector, streamState } from '@sync/connector-kit';
import { startSheetsEmulator, type SheetsEmulator } from '@sync/google-sheets-emulator';
import { customer, customersStream, destinationKit } from './test-support.ts';

let sheets: SheetsEmulator;
let dir: string;
beforeAll(async () => {
  sheets = await startSheetsEmulator();
  dir = await mkdtemp(join(tmpdir(), 'sheets-abort-'));
});
afterAll(async () => {
  await sheets?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const { destination, config, write } = destinationKit(() => sheets);

class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Runs `write` through the harness with `input` on stdin; returns the exit code and stdout messages. */
async function harnessWrite(spreadsheetId: string, input: AirbyteMessage[]): Promise<{ code: number; messages: AirbyteMessage[] }> {
  const configPath = join(dir, `config-${spreadsheetId}.json`);
  const catalogPath = join(dir, `catalog-${spreadsheetId}.json`);
  // Each STATE is written as soon as it arrives, so the first one is acknowledged before the abort is read.
  await writeFile(configPath, JSON.stringify({ ...config({ spreadsheet_id: spreadsheetId }), flush_interval_ms: 0 }));
  await writeFile(catalogPath, JSON.stringify({ streams: [customersStream()] }));
  const stdout = new Collect();
  const code = await runConnector(destination, {
    argv: ['write', '--config', configPath, '--catalog', catalogPath],
    stdin: Readable.from([input.map(encodeMessage).join('')]),
    stdout,
    stderr: new Collect(),
  });
  const messages = stdout.text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AirbyteMessage);
  return { code, messages };
}

it('writes nothing after the last acknowledged STATE when a TRACE ERROR arrives on stdin', async () => {
  const id = sheets.createSpreadsheet('abort');
  await write(config({ spreadsheet_id: id }), [customer(1, 1), customer(2, 1), streamState('customers', { n: 0 }, 2)]);
  const before = sheets.values(id, 'customers');

  const { code, messages } = await harnessWrite(id, [
    customer(3, 1),
    streamState('customers', { n: 1 }, 1),
    customer(1, 2, { email: 'changed@x.test' }),
    record('customers', { id: 'cus_2', _deleted: true }),
    customer(4, 1),
    errorTrace('Stripe answered 500 five times', { failureType: 'transient_error', stream: 'customers' }),
    streamState('customers', { n: 2 }, 3),
  ]);

  expect(code).toBe(1);
  expect(messages.filter((m) => m.type === 'STATE').map((m) => m.state.stream?.stream_state)).toEqual([{ n: 1 }]);
  expect(messages.find((m) => m.type === 'TRACE')?.trace.error?.message).toMatch(/^input aborted: the source failed: Stripe answered 500 five times/);
  // cus_3 came before the acknowledged STATE; the update, the delete and cus_4 came after it.
  expect(sheets.values(id, 'customers')).toEqual([...before, ['cus_3', '1', 'c3@x.test']]);
});

it('at a clean end of input, writes the records after the last STATE', async () => {
  const id = sheets.createSpreadsheet('clean-end');
  const { code, messages } = await harnessWrite(id, [customer(1, 1), streamState('customers', { n: 1 }, 1), customer(2, 1)]);
  expect(code).toBe(0);
  expect(messages.filter((m) => m.type === 'STATE')).toHaveLength(1);
  expect(sheets.values(id, 'customers').slice(1).map((row) => row[0])).toEqual(['cus_1', 'cus_2']);
});
