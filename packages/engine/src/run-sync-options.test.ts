/**
 * runSync with the options `sync serve` uses: per-stream configuration (field selection, modes), a
 * source input file, and a queued run taken over by id. Real connector processes (this package's
 * fixtures/), an in-memory RunStore (test-support/memory-run-store.ts).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AirbyteCatalog, ConfiguredAirbyteCatalog } from '@sync/protocol';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConnectorCommand } from './connector-command.ts';
import { runSync, type SyncOptions } from './run-sync.ts';
import { MemoryRunStore } from './test-support/memory-run-store.ts';

const fixture = (file: string, name: string): ConnectorCommand => ({ name, file: process.execPath, args: [join(import.meta.dirname, '..', 'fixtures', file)] });
const source = fixture('catalog-source.mjs', 'source-fixture');
const destination = fixture('recording-destination.mjs', 'destination-recorder');

const catalog: AirbyteCatalog = {
  streams: [
    {
      name: 'customers',
      json_schema: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, email: { type: 'string' }, updated: { type: 'integer' } } },
      supported_sync_modes: ['full_refresh', 'incremental'],
      source_defined_cursor: true,
      default_cursor_field: ['updated'],
      source_defined_primary_key: [['id']],
    },
    {
      name: 'events',
      json_schema: { type: 'object', properties: { seq: { type: 'integer' }, kind: { type: 'string' } } },
      supported_sync_modes: ['full_refresh', 'incremental'],
    },
  ],
};

const record = (stream: string, data: object) => JSON.stringify({ type: 'RECORD', record: { stream, data, emitted_at: 1 } });
const state = (stream: string, cursor: number) =>
  JSON.stringify({ type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: { name: stream }, stream_state: { cursor } }, sourceStats: { recordCount: 1 } } });

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'engine-run-options-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** A fresh directory for one run's destination, and what it recorded afterwards. */
async function recorder(name: string) {
  const dir = await mkdtemp(join(root, `${name}-`));
  return {
    dir,
    catalog: async () => JSON.parse(await readFile(join(dir, 'catalog.json'), 'utf8')) as ConfiguredAirbyteCatalog,
    lines: async () => (await readFile(join(dir, 'input.ndjson'), 'utf8')).split('\n').filter((line) => line !== ''),
    wrote: () => existsSync(join(dir, 'catalog.json')),
  };
}

function options(store: MemoryRunStore, pipelineId: string, sourceConfig: object, destinationDir: string, extra: Partial<SyncOptions> = {}): SyncOptions {
  return { pipelineId, source, sourceConfig: { catalog, ...sourceConfig }, destination, destinationConfig: { dir: destinationDir }, store, ...extra };
}

it('field selection: the schema keeps the selected fields and the key, records reach the destination without the others', async () => {
  const store = new MemoryRunStore();
  const out = await recorder('fields');
  // Spacing no serialiser would produce: a line forwarded raw stays exactly as the source wrote it.
  const rawEvent = '{"type":"RECORD",  "record":{"stream":"events","data":{"seq":1,"kind":"created"},"emitted_at":1}}';
  const lines = [
    record('customers', { id: 'c1', name: 'Ada', email: 'ada@example.com', updated: 10, nested: { a: 1 } }),
    record('customers', { email: 'bob@example.com', id: 'c2', name: 'Bob' }),
    state('customers', 10),
    rawEvent,
  ];
  const result = await runSync(
    options(store, 'fields', { lines }, out.dir, { streamConfigs: [{ name: 'customers', fields: ['email'] }, { name: 'events' }] }),
  );
  expect(result.failure).toBeUndefined();
  expect(result.streams.customers).toMatchObject({ recordsRead: 2, recordsCommitted: 2 });

  const configured = await out.catalog();
  expect(configured.streams.map((s) => s.stream.name)).toEqual(['customers', 'events']);
  expect(Object.keys(configured.streams[0]!.stream.json_schema.properties as object)).toEqual(['id', 'email', 'updated']);
  expect(configured.streams[1]!.stream.json_schema).toEqual(catalog.streams[1]!.json_schema);

  const received = await out.lines();
  const records = received.filter((line) => line.includes('"RECORD"'));
  expect(records.slice(0, 2).map((line) => JSON.parse(line).record.data)).toEqual([
    { id: 'c1', email: 'ada@example.com', updated: 10 },
    { email: 'bob@example.com', id: 'c2' },
  ]);
  expect(JSON.parse(records[0]!)).toEqual({ type: 'RECORD', record: { stream: 'customers', data: { id: 'c1', email: 'ada@example.com', updated: 10 }, emitted_at: 1 } });
  expect(records[2]).toBe(rawEvent);
  expect((await store.loadState('fields')).map((saved) => saved.stream?.stream_state)).toEqual([{ cursor: 10 }]);
});

it('a selected field the stream lacks fails the run as a config error naming it, before the destination starts', async () => {
  const store = new MemoryRunStore();
  const out = await recorder('unknown-field');
  const result = await runSync(options(store, 'unknown-field', { lines: [] }, out.dir, { streamConfigs: [{ name: 'customers', fields: ['email', 'phone'] }] }));
  expect(result.status).toBe('failed');
  expect(result.failure).toEqual({
    message: 'source-fixture: stream customers has no field phone to select; its fields: id, name, email, updated',
    failureType: 'config_error',
    origin: 'engine',
  });
  expect(out.wrote()).toBe(false);
  expect(store.runs.get(result.runId)).toMatchObject({ status: 'failed', outcome: { error: result.failure!.message } });
});

it('per-stream modes reach both connectors; a stream read in full by its configuration gets no saved state and a new generation', async () => {
  const store = new MemoryRunStore();
  const argsFile = join(root, 'modes-args.json');
  const lines = [record('customers', { id: 'c1', updated: 10 }), state('customers', 10), record('events', { seq: 1 }), state('events', 1)];
  const first = await runSync(options(store, 'modes', { lines }, (await recorder('modes-1')).dir));
  expect(first.failure).toBeUndefined();
  expect((await store.loadState('modes')).map((s) => s.stream?.stream_descriptor.name)).toEqual(['customers', 'events']);

  const out = await recorder('modes-2');
  const second = await runSync(
    options(store, 'modes', { lines, args_file: argsFile }, out.dir, {
      streamConfigs: [
        { name: 'events', syncMode: 'incremental', destinationSyncMode: 'append', cursorField: ['seq'] },
        { name: 'customers', syncMode: 'full_refresh', destinationSyncMode: 'append_dedup' },
      ],
    }),
  );
  expect(second.failure).toBeUndefined();
  const configured = await out.catalog();
  expect(configured.streams.map((s) => [s.stream.name, s.sync_mode, s.destination_sync_mode, s.cursor_field, s.generation_id])).toEqual([
    ['events', 'incremental', 'append', ['seq'], 0],
    ['customers', 'full_refresh', 'append_dedup', undefined, 1],
  ]);
  const started = JSON.parse(await readFile(argsFile, 'utf8')) as { state: { stream: { stream_descriptor: { name: string } } }[] };
  expect(started.state.map((s) => s.stream.stream_descriptor.name)).toEqual(['events']);
  expect(configured.streams[0]!.resume_state_hash).toEqual(expect.any(String));

  const refused = await runSync(options(store, 'modes', { lines }, out.dir, { streamConfigs: [{ name: 'events', destinationSyncMode: 'append_dedup' }] }));
  expect(refused.failure).toEqual({
    message: 'source-fixture: append_dedup needs a primary key, and stream events has none; use append or overwrite',
    failureType: 'config_error',
    origin: 'engine',
  });
});

it("source input: the lines reach the source's read as a file after the option, removed with the run's private dir", async () => {
  const store = new MemoryRunStore();
  const out = await recorder('input');
  const argsFile = join(root, 'input-args.json');
  const deliveries = [{ id: 'evt_1', type: 'customer.created' }, { id: 'evt_2', type: 'customer.updated' }];
  const result = await runSync(
    options(store, 'input', { input_option: '--webhooks', input_stream: 'events', args_file: argsFile }, out.dir, {
      sourceInput: { option: '--webhooks', lines: deliveries.map((d) => JSON.stringify(d)) },
    }),
  );
  expect(result.failure).toBeUndefined();
  expect(result.streams.events).toMatchObject({ recordsRead: 2 });
  expect((await out.lines()).map((line) => JSON.parse(line).record.data)).toEqual(deliveries);
  const { args } = JSON.parse(await readFile(argsFile, 'utf8')) as { args: string[] };
  expect(args).toEqual(['--config', expect.any(String), '--catalog', expect.any(String), '--webhooks', expect.stringMatching(/source-input\.ndjson$/)]);
  const file = args[5]!;
  expect(dirname(file)).toBe(dirname(args[1]!));
  expect(existsSync(file)).toBe(false);

  const bad = await runSync(options(store, 'input', {}, out.dir, { sourceInput: { option: '--state', lines: [] } }));
  expect(bad.failure).toMatchObject({ failureType: 'config_error', message: expect.stringMatching(/^source input option "--state" is not an option the engine can add to read/) });
});

it('runId: the run takes over the queued run of that id, and a run id that is not queued is refused', async () => {
  const store = new MemoryRunStore();
  const out = await recorder('queued');
  const queued = store.queueRun('queued');
  const result = await runSync(options(store, 'queued', { lines: [] }, out.dir, { runId: queued }));
  expect(result.runId).toBe(queued);
  expect(store.runs.get(queued)?.status).toBe('succeeded');
  expect(store.runs.size).toBe(1);

  await expect(runSync(options(store, 'queued', { lines: [] }, out.dir, { runId: queued }))).rejects.toThrow(
    `run ${queued} is not a queued run of pipeline queued (succeeded, of queued)`,
  );
});
