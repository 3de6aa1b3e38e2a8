/**
 * The `write` command: records from the source into Postgres, each STATE acknowledged once every
 * record before it is committed.
 *
 * Rule (Airbyte protocol, "State & Checkpointing",
 * https://docs.airbyte.com/understanding-airbyte/airbyte-protocol#state--checkpointing): a destination
 * emits a STATE only after all records before it have been durably persisted, and in the order
 * received. The engine persists only acknowledged states, so a crash anywhere loses no data: the
 * next run resumes from the last acknowledged state, and the replay guard (checkpoints.ts) makes the
 * replayed batches harmless, even in append mode.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { dataTextOf, stateHash, type AirbyteMessage, type ConfiguredAirbyteCatalog, type MessageOf } from '@sync/protocol';
import { acknowledge, CheckpointMissing, InputAborted, log, type WriteInput } from '@sync/connector-kit';
import { Checkpoints, identityKey, missingCheckpoints, rollBackUnacknowledged, type BatchIdentity } from './checkpoints.ts';
import type { PostgresDestinationConfig } from './config.ts';
import { classifyQueryError, connect, describeTarget } from './connection.ts';
import { DEADLINE, DeadlineInput } from './deadline.ts';
import { PeriodicGc } from './periodic-gc.ts';
import { quoteIdent } from './identifiers.ts';
import { prepareTables } from './schema-evolution.ts';
import { describeHolder, schemaLockHolder, tryLockSchema, waitForSchemaLock } from './schema-lock.ts';
import { Stager, type Batch } from './staging.ts';
import { isDeduplicated, planTables, type StreamTable } from './tables.ts';

/**
 * Writes `messages` into one table per configured stream of `config.schema` and yields each STATE,
 * in order, with `destinationStats.recordCount`, after committing every record received before it.
 *
 * - First, on its connection, it takes the schema's lock (schema-lock.ts), waiting for another writer
 *   of the schema at most `lock_timeout_ms` (a LOG says for whom), and keeps it to the end. Then,
 *   before reading any input, it checks that `_sync_checkpoints` holds the `resume_state_hash` of every
 *   resumed stream (overwrite streams excepted: they are read from scratch).
 * - Then each resumed `append` stream's table is taken back to the checkpoint it resumes from
 *   (checkpoints.ts `rollBackUnacknowledged`): batches committed after it, whose acknowledgement the
 *   engine never saved, are read again and would otherwise be stored twice.
 * - A STREAM state closes the batch of its stream, a GLOBAL or LEGACY state the batch of every
 *   stream. Group commit: the batches of the STATEs received since the last commit are merged
 *   (merge.ts) and their checkpoints recorded (checkpoints.ts) in one transaction, once the oldest
 *   has waited `commit_interval_ms`, at a STATE once `batch_size` records arrived since the last
 *   commit, or at the end of input; with `commit_interval_ms` 0, at every STATE. Their STATEs are then
 *   acknowledged, in order. A replayed batch is dropped and its state acknowledged again.
 * - Overwrite streams are loaded into a shadow table; it replaces the stream's table, atomically, at
 *   the end of input, if the source reported the stream COMPLETE (TRACE STREAM_STATUS). Their STATEs
 *   (and every STATE after the first of them, to keep the order) are acknowledged after that swap; a
 *   stream that did not complete keeps its old table and its states are not acknowledged.
 * - Records after the last STATE are committed at the end of input, with no state. When the input
 *   throws instead (the harness's input abort: the source failed), nothing after the last STATE is
 *   committed.
 *
 * @throws ConfigError for an unsafe schema or stream name, an unreachable database, a record of a
 *   stream not in the catalog, or a table whose primary key does not match; CheckpointMissing naming
 *   the resumed streams whose checkpoint is gone; ConnectorError `transient_error` when the connection
 *   is lost, a statement outlives `statement_timeout_ms`, or another writer keeps the schema past
 *   `lock_timeout_ms`. Records since the last STATE are then not committed.
 */
export async function* writeToPostgres(input: WriteInput<PostgresDestinationConfig>): AsyncGenerator<AirbyteMessage> {
  const { config, catalog, messages } = input;
  const tables = planTables(catalog, config.schema);
  const client = await connect(config.url, { connectTimeoutMs: config.connect_timeout_ms, statementTimeoutMs: config.statement_timeout_ms });
  /** The stager, once created: its COPY idle timer is stopped however the write ends. */
  let started: Stager | undefined;
  /** The input, raced against the commit interval: ended however the write ends. */
  let source: DeadlineInput<AirbyteMessage> | undefined;
  try {
    if (!(await tryLockSchema(client, config.schema))) {
      const holder = await schemaLockHolder(client, config.schema);
      const limit = config.lock_timeout_ms > 0 ? `up to ${config.lock_timeout_ms} ms` : 'without limit';
      yield log('INFO', `schema "${config.schema}" is being written by another writer, ${describeHolder(holder)}: waiting ${limit} for it to finish`);
      await waitForSchemaLock(client, config.schema, config.lock_timeout_ms, holder);
    }
    await assertCheckpointsHeld(client, config, catalog, tables);
    await prepareTables(client, config.schema, tables.values(), { hardDelete: config.hard_delete });
    for (const removed of await rollBackAppendTables(client, config, catalog, tables)) {
      yield log('INFO', `stream ${removed.stream}: removed ${removed.rows} records of ${removed.batches} batches committed after the checkpoint it resumes from (their acknowledgement never reached the engine); they are read again`);
    }
    const stager = new Stager(client, tables.values(), { batchSize: config.batch_size, hardDelete: config.hard_delete });
    started = stager;
    await stager.createStagingTables();
    const only = tables.size === 1 ? [...tables.values()][0]! : undefined;
    if (only && (!isDeduplicated(only) || only.mode === 'overwrite' || (await isEmpty(client, only.qualifiedName)))) stager.allowDirect(only.stream);
    const checkpoints = new Checkpoints(client, config.schema);
    const committed = await checkpoints.committed([...tables.keys(), '']);
    /** STATEs received since the last commit, in order, with the batches they close. */
    let pending: Pending[] = [];
    let pendingSince = 0;
    let recordsSinceCommit = 0;
    /**
     * Acknowledgements waiting for the overwrite swap, with the overwrite streams each depends on and
     * the identity of its batch, recorded as a checkpoint once those streams are swapped in.
     */
    const held: Pending[] = [];
    const completed = new Set<string>();
    let total = 0;
    /**
     * Commits the pending STATEs' batches in one transaction, running `beforeCommit` (the end of input's
     * overwrite swap) inside it last; returns the acknowledgements now due, in order. The others join
     * `held` first (so `beforeCommit` sees them) and wait for the swap. On error the transaction is
     * rolled back and the write fails.
     */
    const collector = new PeriodicGc();
    const commitGroup = async (beforeCommit?: () => Promise<void>): Promise<MessageOf<'STATE'>[]> => {
      const due: MessageOf<'STATE'>[] = [];
      for (const p of pending) {
        if (held.length > 0 || p.overwrites.length > 0) held.push(p);
        else due.push(p.ack);
      }
      try {
        await stager.stageOpenDirectRows();
        await stager.mergePending();
        await checkpoints.record(pending.filter((p) => p.guarded && !p.replay).map(({ identity, batches }) => ({ ...identity, committedAt: batches[0]?.stamp })));
        await beforeCommit?.();
        await stager.commit();
      } catch (error) {
        await stager.rollback().catch(() => {});
        throw error;
      }
      for (const p of pending) if (!p.replay) total += p.identity.recordCount;
      collector.committed(recordsSinceCommit);
      pending = [];
      recordsSinceCommit = 0;
      return due;
    };
    const interval = config.commit_interval_ms;
    const dueAt = () => (pending.length > 0 && interval > 0 ? pendingSince + interval : undefined);
    source = new DeadlineInput(messages);
    try {
      for (;;) {
        const next = await source.next(dueAt());
        if (next === DEADLINE) {
          yield* await commitGroup();
          continue;
        }
        if (next.done) break;
        const message = next.value;
        if (message.type === 'RECORD') {
          const wait = stager.add(message.record.stream, message.record.data, dataTextOf(message.record));
          if (wait) await wait;
          recordsSinceCommit++;
        } else if (message.type === 'STATE') {
          const name = message.state.type === 'STREAM' ? message.state.stream?.stream_descriptor.name : undefined;
          const streams = name === undefined ? stager.streams : tables.has(name) ? [name] : [];
          const batches = streams.map((s) => stager.closeBatch(s));
          const identity: BatchIdentity = {
            stream: name ?? '',
            stateHash: stateHash(message.state, streams.map((s) => tables.get(s)!.generation)),
            batchHash: batches.length === 1 ? batches[0]!.digest : createHash('sha1').update(batches.map((b) => b.digest).join(',')).digest('hex'),
            recordCount: batches.reduce((n, b) => n + b.recordCount, 0),
          };
          const overwrites = streams.filter((s) => tables.get(s)!.mode === 'overwrite');
          const guarded = streams.length > 0 && overwrites.length < streams.length;
          const replay = guarded && committed.has(identityKey(identity));
          if (replay) {
            try {
              for (const batch of batches) await stager.dropBatch(batch.stream, batch);
            } catch (error) {
              await stager.rollback().catch(() => {});
              throw error;
            }
            yield log('INFO', `${identity.stream || 'global'} checkpoint already committed: the source sent the same records and state as a batch committed before (a re-read after a crash, or a stream read again in full with nothing new), so its ${identity.recordCount} records were not applied again`);
          } else if (guarded) {
            committed.add(identityKey(identity));
          }
          // destinationStats.recordCount: the records since the previous STATE of its streams, its batches'.
          const entry: Pending = { ack: acknowledge(message, identity.recordCount), identity, batches, overwrites, guarded, replay };
          // A state of no stream of the catalog closes no batch and needs no commit of its own: the
          // open transaction (it may hold rows of the streams it does not cover) stays open.
          if (streams.length === 0 && pending.length === 0) {
            if (held.length > 0) held.push(entry);
            else yield entry.ack;
            continue;
          }
          if (pending.length === 0) pendingSince = performance.now();
          pending.push(entry);
          if (interval === 0 || recordsSinceCommit >= config.batch_size) yield* await commitGroup();
        } else if (message.type === 'TRACE' && message.trace.stream_status?.status === 'COMPLETE') {
          completed.add(message.trace.stream_status.stream_descriptor.name);
        }
      }
    } catch (error) {
      // The source failed (input abort): the batches that STATEs closed are whole, so they are
      // committed and acknowledged, as they would have been at their STATE without group commit;
      // nothing after the last STATE is.
      if (error instanceof InputAborted && pending.length > 0) yield* await commitGroup();
      throw error;
    }

    // End of input: one transaction commits the pending STATEs' batches and what came after the last
    // STATE, then swaps the completed overwrite streams in and drops the shadows of the others.
    const tail = [...tables.keys()].map((stream) => stager.closeBatch(stream));
    const afterLastState = tail.reduce((n, b) => n + b.recordCount, 0);
    const swapped = new Set<string>();
    const due = await commitGroup(async () => {
      for (const table of tables.values()) {
        if (table.mode !== 'overwrite') continue;
        if (completed.has(table.stream)) {
          await client.query(`drop table if exists ${table.qualifiedName}`);
          await client.query(`alter table ${table.shadowName} rename to ${quoteIdent(table.stream)}`);
          swapped.add(table.stream);
        } else {
          await client.query(`drop table if exists ${table.shadowName}`);
        }
      }
      // The overwrite streams' states now hold: a later incremental run may resume from them.
      await checkpoints.record(held.filter((p) => p.overwrites.length > 0 && p.overwrites.every((s) => swapped.has(s))).map((p) => p.identity));
      await checkpoints.prune([...tables.keys(), '']);
    });
    total += afterLastState;
    yield* due;
    for (const table of tables.values()) {
      if (table.mode === 'overwrite' && !swapped.has(table.stream)) {
        yield log('WARN', `stream ${table.stream} (overwrite) did not complete: its table was kept unchanged and its states are not acknowledged`);
      }
    }
    for (const { ack, overwrites } of held) if (overwrites.every((s) => swapped.has(s))) yield ack;
    yield log('INFO', `committed ${total} records to schema ${config.schema} (${afterLastState} after the last STATE)`);
  } catch (error) {
    throw classifyQueryError(error, config.url, config.statement_timeout_ms);
  } finally {
    started?.abandon();
    await source?.close();
    await client.end().catch(() => {});
  }
}

/** A STATE received and not yet acknowledged. */
interface Pending {
  /** The STATE to emit, with its `destinationStats`. */
  ack: MessageOf<'STATE'>;
  identity: BatchIdentity;
  /** The batches it closed (one per stream it covers), in catalog order. */
  batches: Batch[];
  /** The overwrite streams it covers: it is acknowledged only once they are swapped in. */
  overwrites: string[];
  /** Its checkpoint is recorded at its commit (it covers a stream that is not overwritten). */
  guarded: boolean;
  /** Its batches were committed before (a replay): dropped, acknowledged again. */
  replay: boolean;
}

/** True when `table` (quoted, qualified) has no row. */
async function isEmpty(client: pg.Client, table: string): Promise<boolean> {
  const { rows } = await client.query<{ empty: boolean }>(`select not exists (select from ${table}) as empty`);
  return rows[0]?.empty ?? false;
}

/**
 * Checks, before any input is read, that `_sync_checkpoints` holds the checkpoint each resumed stream
 * (configured `resume_state_hash`) is resumed from, and that its table exists. Overwrite streams are
 * read from scratch and replace their table, so they need none.
 *
 * @throws CheckpointMissing naming every stream whose checkpoint is gone (the engine reads them again
 *   from the beginning).
 */
async function assertCheckpointsHeld(
  client: pg.Client,
  config: PostgresDestinationConfig,
  catalog: ConfiguredAirbyteCatalog,
  tables: ReadonlyMap<string, StreamTable>,
): Promise<void> {
  const points = catalog.streams
    .filter((s) => s.resume_state_hash !== undefined && tables.get(s.stream.name)?.mode !== 'overwrite')
    .map((s) => ({ stream: s.stream.name, stateHash: s.resume_state_hash!, table: tables.get(s.stream.name)!.qualifiedName }));
  const missing = await missingCheckpoints(client, config.schema, points);
  if (missing.length > 0) throw new CheckpointMissing(missing, `postgres schema "${config.schema}" at ${describeTarget(config.url)}`);
}

/**
 * Takes the table of every resumed `append` stream back to the checkpoint it resumes from, in one
 * transaction (checkpoints.ts `rollBackUnacknowledged`).
 *
 * @returns the streams that had batches past it, with what was removed.
 */
async function rollBackAppendTables(
  client: pg.Client,
  config: PostgresDestinationConfig,
  catalog: ConfiguredAirbyteCatalog,
  tables: ReadonlyMap<string, StreamTable>,
): Promise<{ stream: string; batches: number; rows: number }[]> {
  const points = catalog.streams
    .filter((s) => s.resume_state_hash !== undefined && tables.get(s.stream.name)?.mode === 'append')
    .map((s) => ({ stream: s.stream.name, stateHash: s.resume_state_hash!, table: tables.get(s.stream.name)!.qualifiedName }));
  if (points.length === 0) return [];
  const removed: { stream: string; batches: number; rows: number }[] = [];
  await client.query('begin');
  try {
    for (const point of points) {
      const { batches, rows } = await rollBackUnacknowledged(client, config.schema, point);
      if (batches > 0) removed.push({ stream: point.stream, batches, rows });
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  }
  return removed;
}
