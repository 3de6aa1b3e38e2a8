/**
 * The `write` command: records from the source into Postgres, each STATE acknowledged once every
 * record before it is committed.
 *
 * Rule (Airbyte protocol, "State & Checkpointing",
 * https://docs.airbyte.com/understanding-airbyte/airbyte-protocol#state--checkpointing): a destination
 * emits a STATE only after all records before it have been durably persisted, and in the order
 * received. The engine persists only acknowledged states, so a crash anywhere loses no data: the
 * next run resumes from the last acknowledged state, and upserts make the replay harmless.
 */
import { log, type AirbyteMessage, type WriteInput } from '@sync/protocol';
import type { PostgresDestinationConfig } from './config.ts';
import { classifyQueryError, connect } from './connection.ts';
import { Stager } from './staging.ts';
import { acknowledge, RecordCounts } from './state-stats.ts';
import { createTables, planTables } from './tables.ts';

/**
 * Writes `messages` into one table per configured stream of `config.schema` and yields each STATE,
 * in order, with `destinationStats.recordCount`, after committing every record received before it.
 * Records after the last STATE are committed at the end of input, with no state. LOG, TRACE and
 * other messages from the source are ignored.
 *
 * @throws ConfigError for an unsafe schema or stream name, an unreachable database, or a record of a
 *   stream not in the catalog; ConnectorError `transient_error` when the connection is lost. Records
 *   received since the last STATE are then not committed.
 */
export async function* writeToPostgres(input: WriteInput<PostgresDestinationConfig>): AsyncGenerator<AirbyteMessage> {
  const { config, catalog, messages } = input;
  const tables = planTables(catalog, config.schema);
  const client = await connect(config.url);
  try {
    await createTables(client, config.schema, tables.values());
    const stager = new Stager(client, tables.values(), { batchSize: config.batch_size });
    await stager.createStagingTables();
    const counts = new RecordCounts();
    let total = 0;
    for await (const message of messages) {
      if (message.type === 'RECORD') {
        await stager.add(message.record.stream, message.record.data);
        counts.add(message.record.stream);
      } else if (message.type === 'STATE') {
        total += await stager.commit();
        yield acknowledge(message, counts.take(message.state));
      }
    }
    const afterLastState = await stager.commit();
    total += afterLastState;
    yield log('INFO', `committed ${total} records to schema ${config.schema} (${afterLastState} after the last STATE)`);
  } catch (error) {
    throw classifyQueryError(error, config.url);
  } finally {
    await client.end().catch(() => {});
  }
}
