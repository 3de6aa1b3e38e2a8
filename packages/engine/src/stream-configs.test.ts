import { configureCatalog, type AirbyteCatalog } from '@sync/protocol';
import { describe, expect, it } from 'vitest';
import { RunConfigError } from './errors.ts';
import { configureStreams, type CatalogChoices } from './stream-configs.ts';

const catalog: AirbyteCatalog = {
  streams: [
    {
      name: 'customers',
      json_schema: {
        type: 'object',
        required: ['id', 'email', 'name'],
        properties: { id: { type: 'string' }, name: { type: 'string' }, email: { type: 'string' }, address: { type: 'object', properties: { city: { type: 'string' } } }, updated: { type: 'integer' } },
      },
      supported_sync_modes: ['full_refresh', 'incremental'],
      source_defined_cursor: true,
      default_cursor_field: ['updated'],
      source_defined_primary_key: [['id']],
    },
    {
      name: 'events',
      json_schema: { type: 'object', properties: { seq: { type: 'integer' }, kind: { type: 'string' }, payload: { type: 'object', properties: { at: { type: 'integer' } } } } },
      supported_sync_modes: ['full_refresh', 'incremental'],
    },
    {
      name: 'snapshots',
      json_schema: { type: 'object', properties: { id: { type: 'string' }, taken: { type: 'integer' } } },
      supported_sync_modes: ['full_refresh'],
      source_defined_primary_key: [['id']],
    },
    { name: 'blobs', json_schema: { type: 'object' }, supported_sync_modes: ['full_refresh'] },
  ],
};

/** The RunConfigError `configureStreams` throws for `choices`. */
function configError(choices: CatalogChoices): RunConfigError {
  try {
    configureStreams(catalog, choices);
  } catch (error) {
    expect(error).toBeInstanceOf(RunConfigError);
    return error as RunConfigError;
  }
  throw new Error('configureStreams accepted choices it should refuse');
}

it('without stream configs, configures the catalog as configureCatalog does, with no field selection', () => {
  const choices = { streams: ['events', 'customers'], destinationSyncMode: 'append' as const };
  const configured = configureStreams(catalog, choices);
  expect(configured.catalog).toEqual(configureCatalog(catalog, choices));
  expect(configured.fields.size).toBe(0);
  expect(configured.fromScratch.size).toBe(0);
  expect(configError({ streams: ['nope'] }).message).toBe('unknown stream nope; available: customers, events, snapshots, blobs');
});

describe('per-stream modes', () => {
  it('selects the configured streams, in their order, each with its own modes and cursor', () => {
    const { catalog: configured, fromScratch } = configureStreams(catalog, {
      streamConfigs: [
        { name: 'events', syncMode: 'incremental', destinationSyncMode: 'append', cursorField: ['payload', 'at'] },
        { name: 'customers', destinationSyncMode: 'overwrite' },
        { name: 'snapshots' },
      ],
    });
    expect(configured.streams.map((s) => [s.stream.name, s.sync_mode, s.destination_sync_mode, s.cursor_field, s.primary_key])).toEqual([
      ['events', 'incremental', 'append', ['payload', 'at'], undefined],
      ['customers', 'full_refresh', 'overwrite', undefined, [['id']]],
      ['snapshots', 'full_refresh', 'append_dedup', undefined, [['id']]],
    ]);
    // Read from scratch by their own configuration: overwrite, or an explicit full_refresh.
    expect([...fromScratch]).toEqual(['customers']);
    expect([...configureStreams(catalog, { streamConfigs: [{ name: 'customers', syncMode: 'full_refresh' }] }).fromScratch]).toEqual(['customers']);
  });

  it("a stream's own destination mode wins over the run's; the run's full refresh wins over a stream's incremental", () => {
    const { catalog: configured } = configureStreams(catalog, {
      streamConfigs: [{ name: 'customers', syncMode: 'incremental', destinationSyncMode: 'append_dedup' }, { name: 'events', cursorField: ['seq'] }],
      destinationSyncMode: 'append',
      fullRefresh: true,
    });
    expect(configured.streams.map((s) => [s.stream.name, s.sync_mode, s.destination_sync_mode, s.cursor_field])).toEqual([
      ['customers', 'full_refresh', 'append_dedup', undefined],
      ['events', 'full_refresh', 'append', undefined],
    ]);
  });

  it('`streams` picks among the configured streams', () => {
    const streamConfigs = [{ name: 'customers' }, { name: 'events' }];
    const { catalog: configured } = configureStreams(catalog, { streams: ['events'], streamConfigs });
    expect(configured.streams.map((s) => s.stream.name)).toEqual(['events']);
    expect(configError({ streams: ['events', 'snapshots'], streamConfigs }).message).toBe(
      "stream snapshots is not among the pipeline's configured streams (customers, events); configure it or leave it out",
    );
  });

  it('refuses what the catalog does not allow, naming the stream and what it allows', () => {
    const refused = (streamConfigs: CatalogChoices['streamConfigs']) => configError({ streamConfigs }).message;
    expect(refused([{ name: 'nope' }, { name: 'gone' }])).toBe('unknown streams nope, gone; available: customers, events, snapshots, blobs');
    expect(refused([{ name: 'events' }, { name: 'events' }])).toBe('stream events is configured twice; give each stream one configuration');
    expect(refused([{ name: 'snapshots', syncMode: 'incremental' }])).toBe('stream snapshots cannot be read in incremental; it supports full_refresh');
    expect(refused([{ name: 'events', destinationSyncMode: 'append_dedup' }])).toBe('append_dedup needs a primary key, and stream events has none; use append or overwrite');
    expect(refused([{ name: 'customers', syncMode: 'incremental', destinationSyncMode: 'overwrite' }])).toMatch(/^stream customers: incremental cannot be written with overwrite/);
    expect(refused([{ name: 'customers', cursorField: ['name'] }])).toBe(
      'stream customers: its source defines the cursor (updated), so cursor_field cannot be name; drop cursor_field',
    );
    expect(refused([{ name: 'events', cursorField: ['when'] }])).toBe('stream events has no field when for a cursor; choose one of its schema\'s fields: seq, kind, payload');
    expect(refused([{ name: 'events', syncMode: 'full_refresh', cursorField: ['seq'] }])).toBe(
      'stream events is read in full_refresh, which has no cursor; drop cursor_field seq or read it incrementally',
    );
    expect(refused([{ name: 'snapshots', cursorField: ['taken'] }])).toMatch(/^stream snapshots is read in full_refresh/);
  });
});

describe('field selection', () => {
  it('keeps the selected fields, the primary key and the cursor in the schema, and says which fields records keep', () => {
    const { catalog: configured, fields } = configureStreams(catalog, { streamConfigs: [{ name: 'customers', fields: ['email', 'address'] }, { name: 'events' }] });
    const customers = configured.streams[0]!;
    expect(customers.stream.json_schema).toEqual({
      type: 'object',
      required: ['id', 'email'],
      properties: { id: { type: 'string' }, email: { type: 'string' }, address: { type: 'object', properties: { city: { type: 'string' } } }, updated: { type: 'integer' } },
    });
    expect(customers.cursor_field).toEqual(['updated']);
    expect(customers.primary_key).toEqual([['id']]);
    expect([...fields.get('customers')!].sort()).toEqual(['address', 'email', 'id', 'updated']);
    // A stream without a selection keeps its schema, and its records are not touched.
    expect(configured.streams[1]!.stream).toBe(catalog.streams[1]);
    expect(fields.has('events')).toBe(false);
    // The discovered catalog is left as it was.
    expect(Object.keys(catalog.streams[0]!.json_schema.properties as object)).toHaveLength(5);
  });

  it('keeps a configured cursor, and with an empty selection only the key and cursor', () => {
    const { catalog: configured, fields } = configureStreams(catalog, { streamConfigs: [{ name: 'events', syncMode: 'incremental', cursorField: ['seq'], fields: [] }] });
    expect(Object.keys(configured.streams[0]!.stream.json_schema.properties as object)).toEqual(['seq']);
    expect([...fields.get('events')!]).toEqual(['seq']);
  });

  it('a selected field the schema lacks, or a schema without properties, is a config error naming it', () => {
    expect(configError({ streamConfigs: [{ name: 'customers', fields: ['email', 'phone', 'fax'] }] }).message).toBe(
      'stream customers has no fields phone, fax to select; its fields: id, name, email, address, updated',
    );
    expect(configError({ streamConfigs: [{ name: 'blobs', fields: ['size'] }] }).message).toBe(
      'stream blobs cannot have its fields selected: its schema lists no properties; leave out fields',
    );
  });
});
