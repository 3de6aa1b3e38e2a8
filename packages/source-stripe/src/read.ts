/**
 * `read`: every configured stream in catalog order, page by page, newest first.
 *
 * Per stream: TRACE STREAM_STATUS STARTED; for each page its RECORDs (the Stripe objects exactly
 * as the API returned them) then a STATE (see state.ts) whose `sourceStats.recordCount` counts the
 * records since the stream's previous STATE; the last page's STATE is the completed one; then
 * STREAM_STATUS COMPLETE. A stream always gets at least one STATE. A STATE identical to the
 * previous one is not repeated; its records count towards the next. On failure the stream gets
 * STREAM_STATUS INCOMPLETE and the error ends the read.
 * (Airbyte protocol: https://docs.airbyte.com/understanding-airbyte/airbyte-protocol#state--checkpointing)
 */
import { ConfigError, ConnectorError, errorMessage, record, streamState, streamStatus, type AirbyteMessage, type ReadInput } from '@sync/protocol';
import type { StripeClient } from './client.ts';
import type { StripeSourceConfig } from './config.ts';
import { Pass, parseStreamState, type StripeStreamState } from './state.ts';
import { STREAMS } from './streams.ts';

/** Reads the configured streams with `client`. */
export async function* readStreams(input: ReadInput<StripeSourceConfig>, client: StripeClient): AsyncGenerator<AirbyteMessage> {
  const unknown = input.catalog.streams.map((s) => s.stream.name).filter((name) => !(name in STREAMS));
  if (unknown.length > 0) {
    throw new ConfigError(`the catalog asks for stream${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} that source-stripe does not have; run discover for the list`);
  }
  for (const configured of input.catalog.streams) {
    const name = configured.stream.name;
    const start = configured.sync_mode === 'incremental' ? parseStreamState(name, input.state.get(name)) : {};
    yield streamStatus(name, 'STARTED');
    try {
      yield* readStream(name, start, input.config.page_size, client);
    } catch (error) {
      yield streamStatus(name, 'INCOMPLETE');
      if (error instanceof ConnectorError) throw error;
      throw new ConnectorError(`reading stream ${name} failed: ${errorMessage(error)}`, { stream: name, cause: error });
    }
    yield streamStatus(name, 'COMPLETE');
  }
}

async function* readStream(stream: string, start: StripeStreamState, pageSize: number, client: StripeClient): AsyncGenerator<AirbyteMessage> {
  const pass = new Pass(start);
  const created = pass.created;
  let startingAfter: string | undefined;
  let lastState = JSON.stringify(start);
  let records = 0;
  let emitted = false;
  for (;;) {
    const page = await client.list(stream, {
      limit: pageSize,
      ...(startingAfter ? { starting_after: startingAfter } : {}),
      ...(created ? { created } : {}),
    });
    for (const object of page.data) {
      if (pass.see(object.id as string, object.created as number)) {
        records++;
        yield record(stream, object);
      }
    }
    const done = !page.has_more || page.data.length === 0;
    const state = done ? pass.completed() : pass.inProgress();
    const serialized = JSON.stringify(state);
    // An unchanged state is held back (its records count towards the next one), except at the
    // end: every stream ends with a STATE, even one equal to the state the run started from.
    if (serialized !== lastState || (done && (!emitted || records > 0))) {
      yield streamState(stream, state, records);
      lastState = serialized;
      records = 0;
      emitted = true;
    }
    if (done) return;
    startingAfter = page.data.at(-1)!.id as string;
  }
}
