/**
 * `resume_state_hash`: before reading input, the destination checks that `_sync_checkpoints` holds the
 * state each resumed stream resumes from, and fails with `checkpoint_missing` naming those it lacks.
 */
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { parseCheckpointMissing, stateHash, type AirbyteMessage, type ConfiguredAirbyteStream, type MessageOf } from '@sync/protocol';
import { catalogOf, configuredStream, errorsOf, randomSchema, recordLine, rowsOf, runWrite, stateLine, useTestSchema } from './test-support.ts';

const db = useTestSchema();
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await db.pool.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
});

/** A fresh schema per test: each drops or truncates its checkpoints. */
function freshConfig(): { url: string; schema: string } {
  const schema = randomSchema('dest_pg_resume');
  schemas.push(schema);
  return { url: db.url, schema };
}

const acks = (output: AirbyteMessage[]) => output.filter((m): m is MessageOf<'STATE'> => m.type === 'STATE');
const resumedFrom = (stream: ConfiguredAirbyteStream, ack: MessageOf<'STATE'>): ConfiguredAirbyteStream => ({
  ...stream,
  resume_state_hash: stateHash(ack.state, [stream.generation_id ?? 0]),
});

/** First run: one record and one STATE per stream; returns the acknowledged states by stream. */
async function firstRun(config: { url: string; schema: string }, streams: ConfiguredAirbyteStream[]): Promise<Map<string, MessageOf<'STATE'>>> {
  const messages = streams.flatMap((s) => [recordLine(s.stream.name, { id: 'first', updated: 1 }), stateLine(s.stream.name, 1, 1)]);
  const result = await runWrite({ config, catalog: catalogOf(...streams), messages });
  expect(result.code, result.stderr).toBe(0);
  return new Map(acks(result.output).map((a) => [a.state.stream!.stream_descriptor.name, a]));
}

/** The checkpoint_missing TRACE ERROR of a run, as the engine parses it. */
function missingOf(output: AirbyteMessage[]): string[] | undefined {
  const trace = output.find((m): m is MessageOf<'TRACE'> => m.type === 'TRACE' && m.trace.type === 'ERROR');
  return trace && parseCheckpointMissing(trace.trace);
}

describe('resume_state_hash', () => {
  const customers: ConfiguredAirbyteStream = { ...configuredStream('customers'), generation_id: 3 };
  const invoices = configuredStream('invoices');
  const next = [recordLine('customers', { id: 'second', updated: 2 }), recordLine('invoices', { id: 'second', updated: 2 })];

  it('proceeds when the checkpoints are held', async () => {
    const config = freshConfig();
    const saved = await firstRun(config, [customers, invoices]);
    const catalog = catalogOf(resumedFrom(customers, saved.get('customers')!), resumedFrom(invoices, saved.get('invoices')!));
    const result = await runWrite({ config, catalog, messages: next });
    expect(result.code, result.stderr).toBe(0);
    expect((await rowsOf(db.pool, config.schema, 'customers')).map((r) => r.key)).toEqual(['first', 'second']);
  });

  it('fails with checkpoint_missing naming the streams whose checkpoint rows are gone, before reading input', async () => {
    const config = freshConfig();
    const saved = await firstRun(config, [customers, invoices]);
    await db.pool.query(`delete from ${pg.escapeIdentifier(config.schema)}._sync_checkpoints where stream = 'invoices'`);
    const catalog = catalogOf(resumedFrom(customers, saved.get('customers')!), resumedFrom(invoices, saved.get('invoices')!));
    const result = await runWrite({ config, catalog, messages: next });
    expect(result.code).toBe(1);
    expect(missingOf(result.output)).toEqual(['invoices']);
    expect(errorsOf(result.output)[0]?.message).toMatch(new RegExp(`^postgres schema "${config.schema}" at .* no longer holds the data that the saved state of invoices claims`));
    expect((await rowsOf(db.pool, config.schema, 'customers')).map((r) => r.key)).toEqual(['first']);

    await db.pool.query(`truncate ${pg.escapeIdentifier(config.schema)}._sync_checkpoints`);
    expect(missingOf((await runWrite({ config, catalog, messages: next })).output)).toEqual(['customers', 'invoices']);
  });

  it("names a stream whose table was dropped by hand, though its checkpoint rows remain", async () => {
    const config = freshConfig();
    const saved = await firstRun(config, [customers, invoices]);
    await db.pool.query(`drop table ${pg.escapeIdentifier(config.schema)}.customers`);
    const catalog = catalogOf(resumedFrom(customers, saved.get('customers')!), resumedFrom(invoices, saved.get('invoices')!));
    expect(missingOf((await runWrite({ config, catalog, messages: next })).output)).toEqual(['customers']);
  });

  it('names every resumed stream when the schema was dropped, and leaves no schema behind', async () => {
    const config = freshConfig();
    const saved = await firstRun(config, [customers, invoices]);
    await db.pool.query(`drop schema ${pg.escapeIdentifier(config.schema)} cascade`);
    const catalog = catalogOf(resumedFrom(customers, saved.get('customers')!), invoices);
    const result = await runWrite({ config, catalog, messages: next });
    expect(missingOf(result.output)).toEqual(['customers']);
    const { rows } = await db.pool.query('select 1 from pg_namespace where nspname = $1', [config.schema]);
    expect(rows).toEqual([]);
  });

  it('a hash of another generation is not the same checkpoint', async () => {
    const config = freshConfig();
    const saved = await firstRun(config, [customers]);
    // The engine hashes the saved state with the stream's generation now; it was committed in generation 3.
    const otherGeneration = resumedFrom({ ...customers, generation_id: 4 }, saved.get('customers')!);
    expect(missingOf((await runWrite({ config, catalog: catalogOf(otherGeneration), messages: [] })).output)).toEqual(['customers']);
  });

  it('holds the states of a completed overwrite, so an incremental run may resume from them; ignores the hash of an overwrite stream', async () => {
    const config = freshConfig();
    const overwrite: ConfiguredAirbyteStream = { ...customers, sync_mode: 'full_refresh', destination_sync_mode: 'overwrite' };
    const complete: AirbyteMessage = {
      type: 'TRACE',
      trace: { type: 'STREAM_STATUS', emitted_at: 1, stream_status: { stream_descriptor: { name: 'customers' }, status: 'COMPLETE' } },
    };
    const loaded = await runWrite({
      config,
      catalog: catalogOf(overwrite),
      messages: [recordLine('customers', { id: 'first', updated: 1 }), stateLine('customers', 1, 1), complete],
    });
    expect(loaded.code, loaded.stderr).toBe(0);
    const ack = acks(loaded.output)[0]!;
    const resumed = await runWrite({ config, catalog: catalogOf(resumedFrom(customers, ack)), messages: next.slice(0, 1) });
    expect(resumed.code, resumed.stderr).toBe(0);

    const bogus = { ...overwrite, resume_state_hash: 'f'.repeat(64) };
    expect((await runWrite({ config, catalog: catalogOf(bogus), messages: [complete] })).code).toBe(0);
  });

  it('recognises checkpoint rows written before the hashes moved to @sync/protocol (pinned values)', async () => {
    const config = freshConfig();
    expect((await runWrite({ config, catalog: catalogOf(customers), messages: [] })).code).toBe(0);
    // What the earlier version recorded for stateLine('customers', 1, 1) after { id: 'first', updated: 1 }, in generation 3.
    await db.pool.query(
      `insert into ${pg.escapeIdentifier(config.schema)}._sync_checkpoints (stream, state_hash, batch_hash, record_count) values ($1, $2, $3, 1)`,
      ['customers', 'f4d234216611de0932a128203471ec3419fdc8f25a57d2e829c3c669a9f815fa', '8c2dd0a62308c09beb22fcf2a7a7f8c14051203f'],
    );
    const catalog = catalogOf({ ...customers, resume_state_hash: 'f4d234216611de0932a128203471ec3419fdc8f25a57d2e829c3c669a9f815fa' });
    const result = await runWrite({ config, catalog, messages: [recordLine('customers', { id: 'first', updated: 1 }), stateLine('customers', 1, 1)] });
    expect(result.code, result.stderr).toBe(0);
    expect(result.output.some((m) => m.type === 'LOG' && /already committed/.test(m.log.message))).toBe(true);
    expect(await rowsOf(db.pool, config.schema, 'customers')).toEqual([]);
  });
});
