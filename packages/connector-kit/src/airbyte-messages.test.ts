/**
 * Everything the builders emit, and the spec the harness prints, validate against Airbyte's official
 * JSON Schema (airbyte_protocol.yaml of @sync/protocol, protocol v0.3.2, draft-07): our messages are
 * Airbyte messages, so Airbyte connectors and platforms accept them.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { AirbyteCatalog, AirbyteMessage } from '@sync/protocol';
import { airbyteDefinitionRef, airbyteProtocolSchema } from '@sync/protocol/airbyte-schema';
import {
  catalogMessage,
  configUpdate,
  connectionStatus,
  errorTrace,
  estimate,
  log,
  record,
  specMessage,
  streamState,
  streamStatus,
} from './builders.ts';
import type { Destination, Source } from './connector.ts';
import { specOf } from './harness.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

// strict: false because the schema uses Airbyte's own keywords (existingJavaType, airbyte_secret).
const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
ajv.addSchema(airbyteProtocolSchema);
const validateMessage = ajv.getSchema(airbyteDefinitionRef('AirbyteMessage'))!;

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

const Config = z.object({
  api_key: z.string().min(1).meta({ airbyte_secret: true, description: 'Secret API key.' }),
  page_size: z.number().int().positive().default(100),
  mode: z.enum(['live', 'test']).optional(),
});

const sampleSource: Source<z.infer<typeof Config>> = {
  name: 'source-sample',
  configSchema: Config,
  documentationUrl: 'https://example.com/docs/source-sample',
  check: async () => ({ status: 'SUCCEEDED' }),
  discover: async () => catalog,
  read: async function* () {},
};

const sampleDestination: Destination<{ url: string }> = {
  name: 'destination-sample',
  configSchema: z.object({ url: z.string() }),
  supportedSyncModes: ['append', 'overwrite', 'append_dedup'],
  check: async () => ({ status: 'SUCCEEDED' }),
  write: async function* () {},
};

describe('builders emit valid Airbyte messages', () => {
  const messages: Array<[string, AirbyteMessage]> = [
    ['record', record('customers', { id: 'cus_1', created: 1700000000 })],
    ['streamState', streamState('customers', { created: 1700000000 }, 42)],
    ['streamStatus STARTED', streamStatus('customers', 'STARTED')],
    ['streamStatus COMPLETE', streamStatus('customers', 'COMPLETE')],
    ['streamStatus INCOMPLETE', streamStatus('customers', 'INCOMPLETE')],
    ['estimate', estimate('customers', 1000)],
    ['log', log('INFO', 'reading customers')],
    ['errorTrace (defaults)', errorTrace('something broke')],
    [
      'errorTrace (all options)',
      errorTrace('rate limited', {
        failureType: 'transient_error',
        internalMessage: '429 Too Many Requests',
        stackTrace: 'Error: x\n    at y',
        stream: 'customers',
      }),
    ],
    ['connectionStatus SUCCEEDED', connectionStatus({ status: 'SUCCEEDED' })],
    ['connectionStatus FAILED', connectionStatus({ status: 'FAILED', message: 'invalid API key' })],
    ['catalogMessage', catalogMessage(catalog)],
    ['specMessage (source)', specMessage(specOf(sampleSource as Source<unknown>))],
    ['specMessage (destination)', specMessage(specOf(sampleDestination as Destination<unknown>))],
    ['configUpdate', configUpdate({ api_key: 'sk_new', page_size: 10 })],
  ];

  for (const [name, message] of messages) {
    it(name, () => {
      expectValid(validateMessage, message);
      // And it survives the wire unchanged.
      expectValid(validateMessage, JSON.parse(JSON.stringify(message)));
    });
  }

  it('rejects what Airbyte rejects (the validator is not vacuous)', () => {
    expect(validateMessage({ type: 'NOPE' })).toBe(false);
    expect(validateMessage({ type: 'RECORD', record: { stream: 's', data: {} } })).toBe(false); // no emitted_at
    expect(validateMessage({ type: 'TRACE', trace: { type: 'ERROR', emitted_at: 1, error: { message: 'x', failure_type: 'oops' } } })).toBe(false);
  });

  it('a spec carries the config as draft-07 JSON Schema with secrets marked', () => {
    const spec = specOf(sampleSource as Source<unknown>);
    expect(spec.documentationUrl).toBe('https://example.com/docs/source-sample');
    const schema = spec.connectionSpecification as {
      $schema: string;
      required: string[];
      properties: Record<string, Record<string, unknown>>;
    };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.properties.api_key).toMatchObject({ type: 'string', airbyte_secret: true });
    expect(schema.properties.page_size).toMatchObject({ type: 'integer', default: 100 });
    // Input schema: a field with a default is not required of the user.
    expect(schema.required).toEqual(['api_key']);
    const validateConfig = ajv.compile(schema);
    expect(validateConfig({ api_key: 'sk_test' })).toBe(true);
    expect(validateConfig({ page_size: 10 })).toBe(false);
    expect(specOf(sampleDestination as Destination<unknown>).supported_destination_sync_modes).toEqual([
      'append',
      'overwrite',
      'append_dedup',
    ]);
  });
});
