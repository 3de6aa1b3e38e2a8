/**
 * `defineSource`: a protocol `Source` from a list of streams, each with one function that fetches a
 * page. The kit owns the rest, as Airbyte's CDK and Meltano's Singer SDK do: discover, check,
 * per-stream state, STREAM_STATUS, a STATE after every page (with `sourceStats`), resuming on the
 * page a previous run stopped at, and incremental reads from the stream's cursor field.
 *
 * State of one stream, on the wire (snake_case):
 * ```
 * { cursor?: number|string,                        // completed passes emitted every record with a
 *                                                  //   cursor value below this one
 *   pass?: { position: PagePosition, high_water? } // a pass in progress: next page, largest cursor seen
 * }
 * ```
 * An incremental pass passes `since` (= `cursor`) to `fetchPage` and drops records older than it, so
 * an API that cannot filter still works; records at `since` are emitted again (at least once), unless
 * the stream declares `uniqueCursor`.
 */
import type * as z from 'zod';
import type { AirbyteCatalog, AirbyteConnectionStatus, AirbyteMessage } from '@sync/protocol';
import { record, streamState, streamStatus } from './builders.ts';
import type { ReadInput, Source } from './connector.ts';
import type { PagePosition, Pagination } from './pagination.ts';

export type Row = Record<string, unknown>;
export type CursorValue = number | string;

export interface PageRequest<Config> {
  config: Config;
  /** Where this page starts (see pagination.ts). */
  position: PagePosition;
  /** Records per page to ask for. */
  limit: number;
  /**
   * Incremental reads: fetch records with a cursor value ≥ this (> this for a `uniqueCursor` stream);
   * undefined: from the beginning. Records outside that range are dropped by the kit anyway.
   */
  since: CursorValue | undefined;
}

export interface PageResult {
  /**
   * The page's records, in order: an array, or any iterable (a generator computing each record as it
   * is read, so that a large page is never held in memory at once).
   */
  records: Iterable<Row>;
  /** Cursor pagination: the API's cursor of the next page; absent on the last page. */
  nextCursor?: string | undefined;
}

export interface StreamDefinition<Config, Context> {
  name: string;
  /** JSON Schema of one record. */
  jsonSchema: Record<string, unknown>;
  /** Top-level fields that identify a record, e.g. `['id']`. */
  primaryKey?: string[];
  /** Top-level field that only grows (`updated_at`): makes the stream incremental. */
  cursorField?: string;
  /**
   * No two records share a cursor value (an auto-increment id, one timestamp per record). Incremental
   * reads then resume strictly after the saved cursor; by default they resume at it and emit the
   * records that share it again (at least once), which is what a shared timestamp needs.
   */
  uniqueCursor?: boolean;
  pagination: Pagination;
  /** Records per page. Default 100. */
  pageSize?: number;
  fetchPage(request: PageRequest<Config>, context: Context): Promise<PageResult>;
}

export interface SourceDefinition<Config, Context> {
  /** Connector name, as in `source-example`. */
  name: string;
  configSchema: z.ZodType<Config>;
  documentationUrl?: string;
  /** What `fetchPage` gets besides the request (an HTTP client); built once per command. */
  context: (config: Config) => Context;
  /** The streams; a function when they depend on the config (how many, which ones). */
  streams: ReadonlyArray<StreamDefinition<Config, Context>> | ((config: Config) => ReadonlyArray<StreamDefinition<Config, Context>>);
  /** Verifies the config. Default: fetch one page of the first stream. */
  check?: (config: Config, context: Context) => Promise<AirbyteConnectionStatus>;
}

interface KitState {
  cursor?: CursorValue;
  pass?: { position: PagePosition; high_water?: CursorValue };
}

function catalogOf(streams: ReadonlyArray<StreamDefinition<unknown, unknown>>): AirbyteCatalog {
  return {
    streams: streams.map((s) => ({
      name: s.name,
      json_schema: s.jsonSchema,
      supported_sync_modes: s.cursorField ? ['full_refresh', 'incremental'] : ['full_refresh'],
      ...(s.cursorField ? { source_defined_cursor: true, default_cursor_field: [s.cursorField] } : {}),
      ...(s.primaryKey ? { source_defined_primary_key: s.primaryKey.map((k) => [k]) } : {}),
    })),
  };
}

function cursorOf(row: Row, field: string | undefined): CursorValue | undefined {
  const value = field ? row[field] : undefined;
  return typeof value === 'number' || typeof value === 'string' ? value : undefined;
}

const later = (a: CursorValue | undefined, b: CursorValue | undefined) => (a === undefined ? b : b === undefined || a >= b ? a : b);

async function* readStream<Config, Context>(
  stream: StreamDefinition<Config, Context>,
  config: Config,
  context: Context,
  incremental: boolean,
  saved: KitState | undefined,
): AsyncGenerator<AirbyteMessage> {
  const state: KitState = incremental ? (saved ?? {}) : {};
  const since = state.cursor;
  const limit = stream.pageSize ?? 100;
  let position = state.pass?.position ?? stream.pagination.first();
  let highWater = later(state.pass?.high_water, since);
  for (;;) {
    const page = await stream.fetchPage({ config, position, limit, since: incremental ? since : undefined }, context);
    let count = 0;
    let received = 0;
    for (const row of page.records) {
      received++;
      const cursor = cursorOf(row, stream.cursorField);
      if (incremental && since !== undefined && cursor !== undefined && (cursor < since || (stream.uniqueCursor && cursor === since))) continue;
      highWater = later(highWater, cursor);
      count++;
      yield record(stream.name, row);
    }
    const next = stream.pagination.next(position, { records: received, nextCursor: page.nextCursor, limit });
    if (!next) {
      yield streamState(stream.name, highWater === undefined ? {} : { cursor: highWater }, count);
      return;
    }
    position = next;
    const pass = { position, ...(highWater === undefined ? {} : { high_water: highWater }) };
    yield streamState(stream.name, { ...(since === undefined ? {} : { cursor: since }), pass }, count);
  }
}

/**
 * Builds a `Source` (give it to `main` to make an executable).
 *
 * A stream that fails ends with STREAM_STATUS INCOMPLETE and the error ends the read (the harness
 * turns it into a TRACE ERROR); the STATEs already emitted let the next run resume.
 */
export function defineSource<Config, Context>(definition: SourceDefinition<Config, Context>): Source<Config> {
  const streamsFor = (config: Config): ReadonlyArray<StreamDefinition<Config, Context>> =>
    typeof definition.streams === 'function' ? definition.streams(config) : definition.streams;
  return {
    name: definition.name,
    configSchema: definition.configSchema,
    ...(definition.documentationUrl ? { documentationUrl: definition.documentationUrl } : {}),
    async check(config) {
      const context = definition.context(config);
      if (definition.check) return definition.check(config, context);
      const first = streamsFor(config)[0];
      if (!first) return { status: 'SUCCEEDED' };
      try {
        await first.fetchPage({ config, position: first.pagination.first(), limit: 1, since: undefined }, context);
        return { status: 'SUCCEEDED' };
      } catch (error) {
        return { status: 'FAILED', message: `fetching a page of ${first.name} failed: ${(error as Error).message}` };
      }
    },
    async discover(config) {
      return catalogOf(streamsFor(config) as ReadonlyArray<StreamDefinition<unknown, unknown>>);
    },
    async *read(input: ReadInput<Config>) {
      const context = definition.context(input.config);
      const streams = streamsFor(input.config);
      for (const configured of input.catalog.streams) {
        const stream = streams.find((s) => s.name === configured.stream.name);
        if (!stream) continue;
        yield streamStatus(stream.name, 'STARTED');
        try {
          const incremental = configured.sync_mode === 'incremental' && stream.cursorField !== undefined;
          yield* readStream(stream, input.config, context, incremental, input.state.get(stream.name) as KitState | undefined);
        } catch (error) {
          yield streamStatus(stream.name, 'INCOMPLETE');
          throw error;
        }
        yield streamStatus(stream.name, 'COMPLETE');
      }
    },
  };
}
