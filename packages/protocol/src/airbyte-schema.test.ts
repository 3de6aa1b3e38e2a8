/**
 * Our zod schemas and `configureCatalog` against Airbyte's official JSON Schema (airbyte_protocol.yaml,
 * protocol v0.3.2, draft-07), loaded by `airbyte-schema.ts`: what Airbyte accepts we parse, what we
 * produce Airbyte accepts.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { airbyteDefinitionRef, airbyteProtocolSchema } from './airbyte-schema.ts';
import { configureCatalog, type AirbyteCatalog } from './catalog.ts';
import { AirbyteMessage } from './messages.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

// strict: false because the schema uses Airbyte's own keywords (existingJavaType, airbyte_secret).
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
ajv.addSchema(airbyteProtocolSchema);
const validator = (definition: string): ValidateFunction => ajv.getSchema(airbyteDefinitionRef(definition))!;
const validateMessage = validator('AirbyteMessage');
const validateConfiguredCatalog = validator('ConfiguredAirbyteCatalog');

function expectValid(validate: ValidateFunction, value: unknown): void {
  const ok = validate(value);
  expect(ok ? [] : validate.errors, JSON.stringify(value)).toEqual([]);
}

const catalog: AirbyteCatalog = {
  streams: [
    {
      name: 'customers',
      json_schema: { type: 'object', properties: { id: { type: 'string' }, created: { type: 'integer' } } },
      supported_sync_modes: ['full_refresh', 'incremental'],
      source_defined_cursor: true,
      default_cursor_field: ['created'],
      source_defined_primary_key: [['id']],
    },
    {
      name: 'balance',
      json_schema: { type: 'object', properties: { amount: { type: 'integer' } } },
      supported_sync_modes: ['full_refresh'],
    },
  ],
};

describe('the Airbyte schema loader', () => {
  it('loads protocol version 0.3.2 with its definitions', () => {
    expect(airbyteProtocolSchema.version).toBe('0.3.2');
    expect(airbyteDefinitionRef('AirbyteStateMessage')).toBe(`${airbyteProtocolSchema.$id}#/definitions/AirbyteStateMessage`);
  });

  it('names a definition the schema lacks', () => {
    expect(() => airbyteDefinitionRef('StateMessage')).toThrow('airbyte_protocol.yaml (v0.3.2) has no definition StateMessage');
  });
});

describe('one message of each type: Airbyte accepts it and so do our schemas', () => {
  const messages: Array<[string, unknown]> = [
    ['RECORD', { type: 'RECORD', record: { stream: 'customers', data: { id: 'cus_1' }, emitted_at: 1700000000000 } }],
    [
      'STATE (STREAM, with stats)',
      {
        type: 'STATE',
        state: {
          type: 'STREAM',
          stream: { stream_descriptor: { name: 'customers' }, stream_state: { created: 1 } },
          sourceStats: { recordCount: 2 },
          destinationStats: { recordCount: 2 },
        },
      },
    ],
    [
      'STATE (GLOBAL)',
      {
        type: 'STATE',
        state: { type: 'GLOBAL', global: { shared_state: { lsn: 4 }, stream_states: [{ stream_descriptor: { name: 'a' }, stream_state: {} }] } },
      },
    ],
    ['LOG', { type: 'LOG', log: { level: 'WARN', message: 'slow down' } }],
    [
      'TRACE ERROR',
      {
        type: 'TRACE',
        trace: { type: 'ERROR', emitted_at: 1, error: { message: 'x', failure_type: 'config_error', stream_descriptor: { name: 'a' } } },
      },
    ],
    ['TRACE STREAM_STATUS', { type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: 1, stream_status: { stream_descriptor: { name: 'a' }, status: 'COMPLETE' } } }],
    ['TRACE ESTIMATE', { type: 'TRACE', trace: { type: 'ESTIMATE', emitted_at: 1, estimate: { name: 'a', type: 'STREAM', row_estimate: 10 } } }],
    ['TRACE ANALYTICS', { type: 'TRACE', trace: { type: 'ANALYTICS', emitted_at: 1, analytics: { type: 'cursor-count', value: '2' } } }],
    ['SPEC', { type: 'SPEC', spec: { connectionSpecification: { type: 'object' }, supported_destination_sync_modes: ['append'] } }],
    ['CONNECTION_STATUS', { type: 'CONNECTION_STATUS', connectionStatus: { status: 'FAILED', message: 'bad key' } }],
    ['CATALOG', { type: 'CATALOG', catalog }],
    ['CONTROL', { type: 'CONTROL', control: { type: 'CONNECTOR_CONFIG', emitted_at: 1, connectorConfig: { config: { token: 't' } } } }],
  ];

  for (const [name, message] of messages) {
    it(name, () => {
      expectValid(validateMessage, message);
      expect(AirbyteMessage.safeParse(message).error).toBeUndefined();
    });
  }

  it('both refuse what Airbyte refuses (neither validator is vacuous)', () => {
    const invalid = [
      { type: 'NOPE' },
      { type: 'RECORD', record: { stream: 's', data: {} } }, // no emitted_at
      { type: 'TRACE', trace: { type: 'ERROR', emitted_at: 1, error: { message: 'x', failure_type: 'oops' } } },
      { type: 'LOG', log: { level: 'LOUD', message: 'x' } },
    ];
    for (const message of invalid) {
      expect(validateMessage(message), JSON.stringify(message)).toBe(false);
      expect(AirbyteMessage.safeParse(message).success, JSON.stringify(message)).toBe(false);
    }
  });
});

describe('configureCatalog', () => {
  it('produces a valid ConfiguredAirbyteCatalog: incremental with cursor and primary key where possible', () => {
    const configured = configureCatalog(catalog);
    expectValid(validateConfiguredCatalog, configured);
    expect(configured.streams.map((s) => [s.stream.name, s.sync_mode, s.destination_sync_mode, s.cursor_field, s.primary_key])).toEqual([
      ['customers', 'incremental', 'append_dedup', ['created'], [['id']]],
      ['balance', 'full_refresh', 'append', undefined, undefined],
    ]);
  });

  it('honours fullRefresh and a stream selection, in the given order', () => {
    const configured = configureCatalog(catalog, { streams: ['balance', 'customers'], fullRefresh: true });
    expectValid(validateConfiguredCatalog, configured);
    expect(configured.streams.map((s) => [s.stream.name, s.sync_mode, s.cursor_field])).toEqual([
      ['balance', 'full_refresh', undefined],
      ['customers', 'full_refresh', undefined],
    ]);
  });

  it('names unknown streams and the available ones', () => {
    expect(() => configureCatalog(catalog, { streams: ['charges', 'customers', 'refunds'] })).toThrow(
      'unknown streams charges, refunds; available: customers, balance',
    );
  });
});
