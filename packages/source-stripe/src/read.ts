/**
 * `read`: the configured streams, read in parallel within one request rate and one concurrency cap
 * (client.ts), with bounded memory.
 *
 * One loop owns all the bookkeeping. It keeps up to `max_concurrency` requests in flight, taking
 * them from the open streams in catalog order, then by opening the next stream, then, while fewer
 * requests are in flight than the rate limit can take at the observed latency, by splitting a
 * stream's pass (list-pass.ts), and near the end of a pass so that its last pages go side by side.
 * A backfill asks for its first page, then for the account (whose creation bounds the splits), and
 * plans its ranges when both have answered. A request fetches one page (and completes the page's
 * nested lists). Pages are handled one at a time in the order they arrive: their RECORDs, then the
 * stream's STATE. While the messages of a page wait on the reader of this generator, nothing new
 * is sent, so at most `max_concurrency` pages are held in memory.
 *
 * Per stream: TRACE STREAM_STATUS STARTED when it opens; RECORDs and a STATE after every page (its
 * `sourceStats.recordCount` counts the records since the stream's previous STATE; a STATE equal to
 * the previous one is held back); STREAM_STATUS COMPLETE. Records of several streams, and of
 * several ranges of one stream, interleave; every STATE covers only pages whose records came
 * before it. A stream the account cannot use (StreamUnavailableError) gets a LOG WARN saying why,
 * its last STATE and STREAM_STATUS INCOMPLETE, and the read goes on. Any other failure marks the
 * open streams INCOMPLETE and ends the read.
 * (Airbyte protocol: https://docs.airbyte.com/understanding-airbyte/airbyte-protocol#state--checkpointing)
 */
import type { AirbyteMessage, ConfiguredAirbyteStream } from '@sync/protocol';
import { ConfigError, ConnectorError, errorMessage, log, record, streamState, streamStatus, type ReadInput } from '@sync/connector-kit';
import type { ListPage, StripeClient, StripeObject } from './client.ts';
import type { StripeSourceConfig } from './config.ts';
import { completeNestedLists, hasTruncatedLists } from './nested.ts';
import type { PageRequest } from './page-request.ts';
import { planStream, type StreamReader } from './reader.ts';
import { StreamUnavailableError, StripeRequestError } from './retry.ts';
import { parseStreamState } from './state.ts';
import { SplitPass } from './list-pass.ts';
import { streamNamed, type StreamDefinition } from './streams.ts';

/** Unix seconds, now; tests may pass another clock. */
export type Clock = () => number;
const systemClock: Clock = () => Math.floor(Date.now() / 1000);

interface Open {
  reader: StreamReader;
  lastState: string | undefined;
  records: number;
  statesEmitted: number;
  inFlight: number;
  dead: boolean;
}

type Completion = { open: Open; request: PageRequest } & ({ page: ListPage } | { error: unknown });

/** Checks that every configured stream exists. @throws ConfigError naming the unknown ones. */
export function configuredStreams(input: ReadInput<StripeSourceConfig>): Array<{ configured: ConfiguredAirbyteStream; definition: StreamDefinition }> {
  const unknown = input.catalog.streams.map((s) => s.stream.name).filter((name) => !streamNamed(name));
  if (unknown.length > 0) {
    throw new ConfigError(`the catalog asks for stream${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} that source-stripe does not have; run discover for the list`);
  }
  return input.catalog.streams.map((configured) => ({ configured, definition: streamNamed(configured.stream.name)! }));
}

/** Reads the configured streams with `client`. */
export async function* readStreams(input: ReadInput<StripeSourceConfig>, client: StripeClient, clock: Clock = systemClock): AsyncGenerator<AirbyteMessage> {
  const { page_size: pageSize, max_concurrency: maxConcurrency } = input.config;
  const pending = configuredStreams(input);
  const open: Open[] = [];
  const completions: Completion[] = [];
  let wake: (() => void) | undefined;
  let inFlight = 0;
  let floor: number | undefined;
  let floorAsked = false;
  /** A backfill opened: ask for the floor once its first page is on its way. */
  let floorWanted = false;
  /** The account has not answered yet. */
  let floorPending = false;
  /** Pages handled so far, all streams. */
  let pagesHandled = 0;

  function dispatch(entry: Open, request: PageRequest): void {
    inFlight++;
    entry.inFlight++;
    fetchPage(client, entry.reader.stream, request, pageSize)
      .then((page) => ({ page }), (error: unknown) => ({ error }))
      .then((result) => {
        inFlight--;
        entry.inFlight--;
        completions.push({ open: entry, request, ...result });
        wake?.();
      });
  }

  /**
   * The account's creation time bounds where splits aim (GET /v1/account; optional). Asked right
   * after the backfill's first page, so that page goes first: its answer, with the account's, plans
   * the first splits.
   */
  function askFloor(): void {
    if (floorAsked) return;
    floorAsked = true;
    floorPending = true;
    client.get<{ created?: number }>('/v1/account').then(
      (account) => {
        if (typeof account.created === 'number') floor = account.created;
      },
      () => {}, // a restricted key may not read the account: splits aim above 2011 instead
    ).finally(() => {
      floorPending = false;
      // Splits may have waited for it.
      wake?.();
    });
  }

  /** The scheduler: sends requests, handles pages as they arrive, emits their messages. */
  async function* loop(): AsyncGenerator<AirbyteMessage> {
    for (;;) {
      const messages: AirbyteMessage[] = [];
      // Fill the free request slots: open streams first, then new streams, then splits.
      while (inFlight < maxConcurrency) {
        let sent = false;
        for (const entry of open) {
          if (entry.dead) continue;
          const request = entry.reader.next();
          if (request) {
            dispatch(entry, request);
            sent = true;
            break;
          }
        }
        if (sent) continue;
        const next = open.filter((o) => !o.dead).length < maxConcurrency ? pending.shift() : undefined;
        if (next) {
          const saved = next.configured.sync_mode === 'incremental' ? parseStreamState(next.definition.name, input.state.get(next.definition.name)) : {};
          const plan = planStream(next.definition, next.configured.sync_mode, saved, pageSize, clock());
          const entry: Open = { reader: plan.reader, lastState: JSON.stringify(saved), records: 0, statesEmitted: 0, inFlight: 0, dead: false };
          open.push(entry);
          messages.push(streamStatus(next.definition.name, 'STARTED'));
          for (const warning of [...plan.warnings, ...plan.reader.takeWarnings()]) messages.push(log('WARN', warning));
          if (plan.reader.pass instanceof SplitPass && plan.reader.pass.readsEverything) floorWanted = true;
          continue;
        }
        // Split to fill the requests the rate limit can take (each range ends in a part-empty page), and
        // near the end of a pass, so that its last pages are read side by side.
        const useful = client.usefulConcurrency;
        if (useful === undefined) break;
        // A page that arrived and waits to be handled is busy too: its range asks for its next page once it is.
        const missing = useful - inFlight - completions.length;
        // Splits aim above the account's creation: wait for it, but not past a second page.
        if (floorPending && pagesHandled < 2) break;
        let split = false;
        for (const entry of open) {
          const pass = entry.reader.pass;
          if (entry.dead || !(pass instanceof SplitPass)) continue;
          if (floor !== undefined) pass.floor = floor;
          // Into as many ranges as requests are missing, plus the one split, of about the same size; near
          // its end, within the requests the other streams leave it.
          if (missing > 0 ? entry.reader.split(missing + 1) : entry.reader.splitNearEnd(useful - (inFlight - entry.inFlight))) {
            split = true;
            break;
          }
        }
        if (!split) break;
      }
      if (floorWanted) {
        floorWanted = false;
        askFloor();
      }
      yield* messages;

      const completion = completions.shift();
      if (!completion) {
        if (inFlight === 0) {
          if (open.length === 0 && pending.length === 0) return;
          // Nothing in flight, nothing to send: every open stream is done (handled below) or stuck.
          const stuck = open.filter((o) => !o.dead && !o.reader.done);
          if (stuck.length > 0) throw new ConnectorError(`source-stripe: streams ${stuck.map((o) => o.reader.name).join(', ')} have nothing to read yet are not done`);
          for (const entry of open.splice(0)) yield* finish(entry);
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }

      const { open: entry, request } = completion;
      if (entry.dead) continue;
      const name = entry.reader.name;
      if ('error' in completion) {
        const { error } = completion;
        if (error instanceof StripeRequestError && error.code === 'resource_missing' && entry.reader.recover(request)) continue;
        if (error instanceof StreamUnavailableError) {
          entry.dead = true;
          yield log('WARN', `stream ${name} is unavailable and was skipped: ${error.message}`);
          if (entry.statesEmitted === 0) yield streamState(name, entry.reader.state() as Record<string, unknown>, 0);
          yield streamStatus(name, 'INCOMPLETE');
          open.splice(open.indexOf(entry), 1);
          continue;
        }
        if (error instanceof ConnectorError) throw error;
        throw new ConnectorError(`reading stream ${name} failed: ${errorMessage(error)}`, { stream: name, cause: error });
      }

      pagesHandled++;
      const objects = entry.reader.handle(request, completion.page);
      for (const warning of entry.reader.takeWarnings()) yield log('WARN', warning);
      for (const object of objects) {
        entry.records++;
        yield record(name, object);
      }
      const done = entry.reader.done && entry.inFlight === 0;
      const state = JSON.stringify(entry.reader.state());
      if (state !== entry.lastState && !done) yield* checkpoint(entry, state);
      if (done) {
        open.splice(open.indexOf(entry), 1);
        yield* finish(entry);
      }
    }
  }

  try {
    yield* loop();
  } catch (error) {
    // A failed request, or a server that pages in a way that cannot be read exactly (PagingError).
    for (const entry of open) if (!entry.dead) yield streamStatus(entry.reader.name, 'INCOMPLETE');
    throw error;
  }
}

function* checkpoint(entry: Open, serialized: string): Generator<AirbyteMessage> {
  yield streamState(entry.reader.name, JSON.parse(serialized) as Record<string, unknown>, entry.records);
  entry.lastState = serialized;
  entry.records = 0;
  entry.statesEmitted++;
}

/** The end of a stream: its final STATE (always one, even if unchanged, unless nothing changed since one), COMPLETE. */
function* finish(entry: Open): Generator<AirbyteMessage> {
  const serialized = JSON.stringify(entry.reader.state());
  if (serialized !== entry.lastState || entry.statesEmitted === 0 || entry.records > 0) yield* checkpoint(entry, serialized);
  yield streamStatus(entry.reader.name, 'COMPLETE');
}

/** Fetches one page and completes the nested lists of its objects (of the events' objects, for events). */
async function fetchPage(client: StripeClient, stream: StreamDefinition, request: PageRequest, pageSize: number): Promise<ListPage> {
  const page = await client.list(request.path, request.query, stream.name);
  for (const item of page.data) {
    const object = request.kind === 'events' ? ((item.data as { object?: StripeObject } | undefined)?.object ?? {}) : item;
    if (hasTruncatedLists(object)) await completeNestedLists(object, client, pageSize, stream.name);
  }
  return page;
}
