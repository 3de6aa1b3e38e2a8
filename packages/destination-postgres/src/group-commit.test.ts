/**
 * Group commit (write.ts): the STATEs received since the last commit are committed together, in one
 * transaction, when `batch_size` records arrived, when the oldest has waited `commit_interval_ms`
 * (even while the input is silent), or at the end of input; each batch keeps its own identity.
 * Transactions are told apart by the `xmin` of the rows they wrote, never by timing.
 */
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { stateHash, type AirbyteMessage, type ConfiguredAirbyteStream, type MessageOf } from '@sync/protocol';
import { errorTrace } from '@sync/connector-kit';
import { catalogOf, configuredStream, ndjson, randomSchema, recordLine, rowsOf, runWrite, stateLine, useTestSchema, type WriteRun } from './test-support.ts';

const db = useTestSchema();
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await db.pool.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
});

function freshConfig(extra: Record<string, unknown> = {}): { url: string; schema: string } & Record<string, unknown> {
  const schema = randomSchema('dest_pg_group');
  schemas.push(schema);
  return { url: db.url, schema, ...extra };
}

const acks = (output: AirbyteMessage[]) => output.filter((m): m is MessageOf<'STATE'> => m.type === 'STATE');
const counts = (output: AirbyteMessage[]) => acks(output).map((m) => m.state.destinationStats?.recordCount);
const logs = (output: AirbyteMessage[]) => output.flatMap((m) => (m.type === 'LOG' ? [m.log.message] : []));
const record = (stream: string, id: string) => recordLine(stream, { id, updated: 1 });
const appended = (name: string): ConfiguredAirbyteStream => ({ ...configuredStream(name), destination_sync_mode: 'append' });

/** The checkpoint rows of `schema`, in commit order: the transaction (xmin) and stamp of each. */
async function checkpointsOf(schema: string): Promise<{ stream: string; records: number; tx: string; committedAt: string }[]> {
  const { rows } = await db.pool.query<{ stream: string; records: string; tx: string; committed_at: string }>(
    `select stream, record_count as records, xmin::text as tx, committed_at::text from ${pg.escapeIdentifier(schema)}._sync_checkpoints order by id`,
  );
  return rows.map((r) => ({ stream: r.stream, records: Number(r.records), tx: r.tx, committedAt: r.committed_at }));
}

/** Each row's key and transaction (xmin), by key. */
async function rowTransactions(schema: string, table: string): Promise<{ key: string; tx: string }[]> {
  const { rows } = await db.pool.query<{ key: string; tx: string }>(`select id as key, xmin::text as tx from ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)} order by id`);
  return rows;
}

/**
 * A write whose input stays open: `send` writes messages, `end` closes the input, `nextAck` resolves
 * with the next acknowledgement the destination emits.
 */
function openWrite(config: Record<string, unknown>, streams: ConfiguredAirbyteStream[]) {
  const input = new PassThrough();
  const waiting: ((ack: MessageOf<'STATE'>) => void)[] = [];
  const arrived: MessageOf<'STATE'>[] = [];
  const run: Promise<WriteRun> = runWrite({
    config,
    catalog: catalogOf(...streams),
    messages: input,
    onMessage: async (message) => {
      if (message.type !== 'STATE') return;
      const waiter = waiting.shift();
      if (waiter) waiter(message);
      else arrived.push(message);
    },
  });
  return {
    send: (messages: AirbyteMessage[]) => input.write(ndjson(messages)),
    nextAck: () => new Promise<MessageOf<'STATE'>>((resolve) => (arrived.length > 0 ? resolve(arrived.shift()!) : waiting.push(resolve))),
    end: () => {
      input.end();
      return run;
    },
  };
}

describe('group commit', () => {
  it('commits the STATEs received together in one transaction once batch_size records arrived, and acknowledges each in order', async () => {
    const config = freshConfig({ batch_size: 6, commit_interval_ms: 3_600_000 });
    const write = openWrite(config, [configuredStream('customers')]);
    write.send([record('customers', 'a'), record('customers', 'b'), stateLine('customers', 1, 2)]);
    write.send([record('customers', 'c'), record('customers', 'd'), stateLine('customers', 2, 2)]);
    write.send([record('customers', 'e'), record('customers', 'f'), stateLine('customers', 3, 2), record('customers', 'g')]);
    // The input stays open: the sixth record made the third STATE commit the three.
    const received = [await write.nextAck(), await write.nextAck(), await write.nextAck()];
    expect(received.map((m) => m.state.stream?.stream_state)).toEqual([{ cursor: 1 }, { cursor: 2 }, { cursor: 3 }]);
    expect(received.map((m) => m.state.destinationStats?.recordCount)).toEqual([2, 2, 2]);
    const group = await checkpointsOf(config.schema);
    expect(group.map((c) => c.records)).toEqual([2, 2, 2]);
    expect(new Set(group.map((c) => c.tx)).size).toBe(1);
    // One transaction, yet each batch has its own stamp, which its rows carry.
    expect(new Set(group.map((c) => c.committedAt)).size).toBe(3);
    const rows = await rowTransactions(config.schema, 'customers');
    expect(rows).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((key) => ({ key, tx: group[0]!.tx })));
    const { rows: stamps } = await db.pool.query<{ synced: string }>(`select _synced_at::text as synced from ${pg.escapeIdentifier(config.schema)}.customers order by id`);
    expect(stamps.map((r) => r.synced)).toEqual([0, 0, 1, 1, 2, 2].map((i) => group[i]!.committedAt));

    const result = await write.end();
    expect(result.code, result.stderr).toBe(0);
    expect((await rowsOf(db.pool, config.schema, 'customers')).map((r) => r.key)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });

  it('acknowledges a STATE followed by silence once commit_interval_ms passes, the input still open', async () => {
    const config = freshConfig({ commit_interval_ms: 20 });
    const write = openWrite(config, [configuredStream('invoices')]);
    write.send([record('invoices', 'in_1'), stateLine('invoices', 1, 1), record('invoices', 'in_2')]);
    const ack = await write.nextAck();
    expect(ack.state.destinationStats).toEqual({ recordCount: 1 });
    // Committed: a second connection sees in_1, and not in_2, whose STATE has not come.
    expect((await rowsOf(db.pool, config.schema, 'invoices')).map((r) => r.key)).toEqual(['in_1']);
    write.send([stateLine('invoices', 2, 1)]);
    expect((await write.nextAck()).state.destinationStats).toEqual({ recordCount: 1 });
    expect((await rowsOf(db.pool, config.schema, 'invoices')).map((r) => r.key)).toEqual(['in_1', 'in_2']);
    expect((await write.end()).code).toBe(0);
  });

  it('keeps one transaction per STATE with commit_interval_ms 0', async () => {
    const config = freshConfig({ commit_interval_ms: 0 });
    const messages = [record('charges', 'a'), stateLine('charges', 1, 1), record('charges', 'b'), stateLine('charges', 2, 1), record('charges', 'c'), stateLine('charges', 3, 1)];
    const result = await runWrite({ config, catalog: catalogOf(configuredStream('charges')), messages });
    expect(result.code, result.stderr).toBe(0);
    expect(counts(result.output)).toEqual([1, 1, 1]);
    const checkpoints = await checkpointsOf(config.schema);
    expect(checkpoints).toHaveLength(3);
    expect(new Set(checkpoints.map((c) => c.tx)).size).toBe(3);
    expect((await rowTransactions(config.schema, 'charges')).map((r) => r.tx)).toEqual(checkpoints.map((c) => c.tx));
  });

  it('commits and acknowledges the pending STATEs when the input aborts, in one transaction, and nothing after the last STATE', async () => {
    const config = freshConfig({ commit_interval_ms: 3_600_000 });
    const result = await runWrite({
      config,
      catalog: catalogOf(appended('refunds')),
      messages: [
        record('refunds', 'a'),
        stateLine('refunds', 1, 1),
        record('refunds', 'b'),
        stateLine('refunds', 2, 1),
        record('refunds', 'c'),
        errorTrace('the source failed', { failureType: 'transient_error' }),
      ],
    });
    expect(result.code).toBe(1);
    expect(counts(result.output)).toEqual([1, 1]);
    expect((await rowsOf(db.pool, config.schema, 'refunds')).map((r) => r.key)).toEqual(['a', 'b']);
    const checkpoints = await checkpointsOf(config.schema);
    expect(checkpoints).toHaveLength(2);
    expect(new Set(checkpoints.map((c) => c.tx)).size).toBe(1);
  });

  for (const streams of [['events'], ['events', 'other']]) {
    it(`drops a replayed group batch by batch (append, ${streams.length === 1 ? 'direct rows' : 'staged rows'})`, async () => {
      const config = freshConfig();
      const catalog = catalogOf(...streams.map(appended));
      const batch = (cursor: number, ...ids: string[]) => [...ids.map((id) => record('events', id)), stateLine('events', cursor, ids.length)];
      // One group: a, b and c committed together; the engine saved only the first acknowledgement.
      const first = await runWrite({ config, catalog, messages: [...batch(1, 'a1', 'a2'), ...batch(2, 'b1'), ...batch(3, 'c1', 'c2')] });
      expect(first.code, first.stderr).toBe(0);
      expect(new Set((await checkpointsOf(config.schema)).map((c) => c.tx)).size).toBe(1);
      // The source resends b and c as they were, then reads on: d.
      const replay = await runWrite({ config, catalog, messages: [...batch(2, 'b1'), ...batch(3, 'c1', 'c2'), ...batch(4, 'd1')] });
      expect(replay.code, replay.stderr).toBe(0);
      expect(counts(replay.output)).toEqual([1, 2, 1]);
      expect(logs(replay.output).filter((m) => m.includes('already committed'))).toHaveLength(2);
      expect((await rowsOf(db.pool, config.schema, 'events')).map((r) => r.key)).toEqual(['a1', 'a2', 'b1', 'c1', 'c2', 'd1']);
    });
  }

  it('takes a resumed append table back to a checkpoint in the middle of a group, batch by batch', async () => {
    const config = freshConfig();
    const events = appended('events');
    const first = await runWrite({
      config,
      catalog: catalogOf(events),
      messages: [record('events', 'a'), stateLine('events', 1, 1), record('events', 'b'), stateLine('events', 2, 1), record('events', 'c'), stateLine('events', 3, 1)],
    });
    expect(first.code, first.stderr).toBe(0);
    // The engine saved the second acknowledgement of the group: only c is read again, with new data.
    const saved = acks(first.output)[1]!;
    const resumed = await runWrite({
      config,
      catalog: catalogOf({ ...events, resume_state_hash: stateHash(saved.state, [0]) }),
      messages: [record('events', 'c'), record('events', 'c2'), stateLine('events', 3, 2)],
    });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(logs(resumed.output)).toContain('stream events: removed 1 records of 1 batches committed after the checkpoint it resumes from (their acknowledgement never reached the engine); they are read again');
    expect((await rowsOf(db.pool, config.schema, 'events')).map((r) => r.key)).toEqual(['a', 'b', 'c', 'c2']);
  });
});
