/**
 * Input abort through the protocol harness: a TRACE ERROR on stdin (the source failed) commits nothing
 * after the last STATE and exits 1 with the upstream failure_type; a clean EOF commits the tail.
 */
import { describe, expect, it } from 'vitest';
import type { AirbyteMessage, ConfiguredAirbyteStream } from '@sync/protocol';
import { errorTrace } from '@sync/connector-kit';
import { catalogOf, configuredStream, errorsOf, recordLine, rowsOf, runWrite, stateLine, useTestSchema } from './test-support.ts';

const db = useTestSchema();
const { config, schema } = db;

const sourceFailure = errorTrace('Stripe returned 500 three times for /v1/charges', { failureType: 'transient_error', stream: 'charges' });
const states = (output: AirbyteMessage[]) => output.filter((m) => m.type === 'STATE');

describe('input abort', () => {
  it('append: records, STATE, records, TRACE ERROR → only the records before the STATE are in the table, exit 1', async () => {
    const catalog = catalogOf({ ...configuredStream('charges'), destination_sync_mode: 'append' });
    const result = await runWrite({
      config,
      catalog,
      messages: [
        recordLine('charges', { id: 'ch_1', updated: 1 }),
        recordLine('charges', { id: 'ch_2', updated: 2 }),
        stateLine('charges', 2, 2),
        recordLine('charges', { id: 'ch_3', updated: 3 }),
        recordLine('charges', { id: 'ch_4', updated: 4 }),
        sourceFailure,
      ],
    });
    expect(result.code).toBe(1);
    expect(states(result.output).map((m) => m.type === 'STATE' && m.state.destinationStats)).toEqual([{ recordCount: 2 }]);
    expect(errorsOf(result.output)).toEqual([
      expect.objectContaining({
        failure_type: 'transient_error',
        message: expect.stringMatching(/^input aborted: the source failed: Stripe returned 500 three times for \/v1\/charges/),
      }),
    ]);
    expect((await rowsOf(db.pool, schema, 'charges')).map((r) => r.key)).toEqual(['ch_1', 'ch_2']);
  });

  it('append_dedup: the same with no STATE at all commits nothing', async () => {
    const result = await runWrite({
      config,
      catalog: catalogOf(configuredStream('refunds')),
      messages: [recordLine('refunds', { id: 're_1', updated: 1 }), sourceFailure],
    });
    expect(result.code).toBe(1);
    expect(await rowsOf(db.pool, schema, 'refunds')).toEqual([]);
  });

  it('overwrite: a COMPLETE stream whose source then fails is not swapped in', async () => {
    const overwrite: ConfiguredAirbyteStream = { ...configuredStream('plans'), sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' };
    const complete: AirbyteMessage = {
      type: 'TRACE',
      trace: { type: 'STREAM_STATUS', emitted_at: 1, stream_status: { stream_descriptor: { name: 'plans' }, status: 'COMPLETE' } },
    };
    const load = (ids: string[]) => [...ids.map((id) => recordLine('plans', { id, updated: 1 })), stateLine('plans', ids.length, ids.length), complete];
    expect((await runWrite({ config, catalog: catalogOf(overwrite), messages: load(['old_1', 'old_2']) })).code).toBe(0);
    const result = await runWrite({ config, catalog: catalogOf(overwrite), messages: [...load(['new_1']), sourceFailure] });
    expect(result.code).toBe(1);
    expect(states(result.output)).toEqual([]);
    expect((await rowsOf(db.pool, schema, 'plans')).map((r) => r.key)).toEqual(['old_1', 'old_2']);
  });
});
