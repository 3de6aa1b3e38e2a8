/**
 * A resumed `append` stream is taken back to the checkpoint the engine resumes from: batches committed
 * after it (their acknowledgement never reached the engine, which died) are removed before the source's
 * re-read lands, so each record is stored once even when the re-read comes in other batches.
 */
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { stateHash, type AirbyteMessage, type ConfiguredAirbyteStream, type MessageOf } from '@sync/protocol';
import { catalogOf, configuredStream, randomSchema, recordLine, rowsOf, runWrite, stateLine, useTestSchema } from './test-support.ts';

const db = useTestSchema();
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await db.pool.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
});

function freshConfig(): { url: string; schema: string } {
  const schema = randomSchema('dest_pg_rollback');
  schemas.push(schema);
  return { url: db.url, schema };
}

const acks = (output: AirbyteMessage[]) => output.filter((m): m is MessageOf<'STATE'> => m.type === 'STATE');
const logs = (output: AirbyteMessage[]) => output.flatMap((m) => (m.type === 'LOG' ? [m.log.message] : []));
const resumedFrom = (stream: ConfiguredAirbyteStream, ack: MessageOf<'STATE'>): ConfiguredAirbyteStream => ({
  ...stream,
  resume_state_hash: stateHash(ack.state, [stream.generation_id ?? 0]),
});
const record = (stream: string, id: string) => recordLine(stream, { id, updated: 1 });

describe('resumed append streams', () => {
  const events: ConfiguredAirbyteStream = { ...configuredStream('events'), destination_sync_mode: 'append' };
  const customers = configuredStream('customers');

  it('lose the batches committed after the checkpoint they resume from, so the re-read is stored once', async () => {
    const config = freshConfig();
    const first = await runWrite({
      config,
      catalog: catalogOf(events, customers),
      messages: [record('events', 'a'), stateLine('events', 1, 1), record('events', 'b'), stateLine('events', 2, 1), record('events', 'c'), stateLine('events', 3, 1), record('customers', 'x'), stateLine('customers', 1, 1)],
    });
    expect(first.code, first.stderr).toBe(0);
    // The engine saved only the first acknowledgement of events, then died: the source reads b and c
    // again, in one batch this time (so the replay guard cannot recognise them).
    const saved = acks(first.output)[0]!;
    const customersSaved = acks(first.output)[3]!;
    const resumed = await runWrite({
      config,
      catalog: catalogOf(resumedFrom(events, saved), resumedFrom(customers, customersSaved)),
      messages: [record('events', 'b'), record('events', 'c'), stateLine('events', 3, 2)],
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(logs(resumed.output)).toContain('stream events: removed 2 records of 2 batches committed after the checkpoint it resumes from (their acknowledgement never reached the engine); they are read again');
    expect((await rowsOf(db.pool, config.schema, 'events')).map((r) => r.key)).toEqual(['a', 'b', 'c']);
    expect((await rowsOf(db.pool, config.schema, 'customers')).map((r) => r.key)).toEqual(['x']);
  });

  it('keep what the checkpoint covers and the records committed after the last STATE of a clean end', async () => {
    const config = freshConfig();
    const first = await runWrite({ config, catalog: catalogOf(events), messages: [record('events', 'a'), stateLine('events', 1, 1), record('events', 'tail')] });
    expect(first.code, first.stderr).toBe(0);
    const resumed = await runWrite({ config, catalog: catalogOf(resumedFrom(events, acks(first.output)[0]!)), messages: [record('events', 'd'), stateLine('events', 2, 1)] });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(logs(resumed.output).filter((m) => m.includes('removed'))).toEqual([]);
    expect((await rowsOf(db.pool, config.schema, 'events')).map((r) => r.key)).toEqual(['a', 'd', 'tail']);
  });
});
