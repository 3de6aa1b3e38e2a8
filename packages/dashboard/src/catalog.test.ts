import { describe, expect, it } from 'vitest';
import { defaultChoice, streamConfigs, streamsOf } from './catalog.ts';

/** Two streams as the Stripe source's discover describes them (schemas cut down). */
const CATALOG = {
  streams: [
    {
      name: 'customers',
      json_schema: { type: 'object', properties: { id: { type: 'string' }, created: { type: 'integer' }, email: { type: ['string', 'null'] }, name: { type: ['string', 'null'] } } },
      supported_sync_modes: ['full_refresh', 'incremental'],
      source_defined_cursor: true,
      default_cursor_field: ['created'],
      source_defined_primary_key: [['id']],
    },
    { name: 'balance', json_schema: { type: 'object', properties: { available: {} } }, supported_sync_modes: ['full_refresh'] },
    { json_schema: {} },
  ],
};

describe('stream and field selection', () => {
  const streams = streamsOf(CATALOG);

  it('reads names, top-level fields, sync modes and the fields that are always synced', () => {
    expect(streams).toEqual([
      { name: 'customers', fields: ['id', 'created', 'email', 'name'], supportedSyncModes: ['full_refresh', 'incremental'], requiredFields: ['id', 'created'] },
      { name: 'balance', fields: ['available'], supportedSyncModes: ['full_refresh'], requiredFields: [] },
    ]);
  });

  it('sends every selected stream, its sync mode when chosen, and fields only when some were left out', () => {
    const choices = new Map(streams.map((s) => [s.name, defaultChoice(s)]));
    expect(streamConfigs(streams, choices)).toEqual([{ name: 'customers' }, { name: 'balance' }]);
    choices.set('customers', { selected: true, syncMode: 'full_refresh', fields: new Set(['email']) });
    choices.set('balance', { selected: false, syncMode: '', fields: new Set() });
    expect(streamConfigs(streams, choices)).toEqual([{ name: 'customers', sync_mode: 'full_refresh', fields: ['id', 'created', 'email'] }]);
  });
});
