/**
 * The read of one stream in one run: what it does given its sync mode and saved state, and the
 * state it checkpoints.
 *
 * | stream (streams.ts) | saved state | this run |
 * | --- | --- | --- |
 * | any, full_refresh | ignored | a pass over the whole list (`events` mode: event cursor set to its start, no walk) |
 * | `events` mode | none, or no event cursor | backfill: event cursor set to now, pass over the whole list, then the event walk |
 * | `events` mode | event cursor past retention | a warning, then a backfill as above |
 * | `events` mode | pass under way | the rest of the pass, then the event walk |
 * | `events` mode | complete | the event walk from the cursor |
 * | `created` mode | none / pass under way / complete | a pass over `created ≥ cursor` (new or resumed) |
 */
import type { SyncMode } from '@sync/protocol';
import type { ListPage, StripeObject } from './client.ts';
import { ANCHOR_MARGIN_SECONDS, EventWalk, anchorAt, isExpired } from './events.ts';
import { SplitPass } from './list-pass.ts';
import { SequentialPass } from './sequential-pass.ts';
import type { PageRequest, PageSource } from './page-request.ts';
import { remember, type EventCursor, type PassState, type StripeStreamState } from './state.ts';
import { incrementalMode, isSplittable, type StreamDefinition } from './streams.ts';

type Pass = SplitPass | SequentialPass;

export interface ReaderPlan {
  reader: StreamReader;
  /** Why this run does what it does, when that is news (a re-backfill). */
  warnings: string[];
}

/**
 * Plans the read of `stream`.
 * @param now unix seconds.
 */
export function planStream(stream: StreamDefinition, syncMode: SyncMode, saved: StripeStreamState, pageSize: number, now: number): ReaderPlan {
  const mode = syncMode === 'incremental' ? incrementalMode(stream) : undefined;
  const warnings: string[] = [];
  // A second more than the clock margin before now is over: no object created from now on has it.
  const options = { settledBefore: now - ANCHOR_MARGIN_SECONDS };
  const fresh = (gte = 0, gteIds?: readonly string[]): Pass =>
    isSplittable(stream) ? new SplitPass(stream, pageSize, { gte, ...(gteIds ? { gteIds } : {}) }, options) : new SequentialPass(stream, pageSize);
  const resumed = (pass: PassState): Pass =>
    isSplittable(stream) ? new SplitPass(stream, pageSize, { resume: pass }, options) : new SequentialPass(stream, pageSize, pass.after);

  if (mode === undefined) {
    // A full pass is a backfill: anchoring the event cursor at its start (with no walk after it) lets
    // the next incremental read take only what changed since, instead of reading everything again.
    const anchor = incrementalMode(stream) === 'events' ? { events: anchorAt(now) } : {};
    return { reader: new StreamReader(stream, pageSize, { pass: fresh(), ...anchor }), warnings };
  }

  if (mode === 'created') {
    const base = { ...(saved.cursor !== undefined ? { cursor: saved.cursor, cursorIds: saved.cursor_ids ?? [] } : {}) };
    const pass = saved.pass ? resumed(saved.pass) : fresh(saved.cursor ?? 0, saved.cursor_ids);
    return { reader: new StreamReader(stream, pageSize, { ...base, pass }), warnings };
  }

  // mode === 'events'
  let events = saved.events;
  if (events && isExpired(events, now)) {
    warnings.push(
      `stream ${stream.name}: the event cursor was last brought up to date ${new Date(events.checked * 1000).toISOString()}, ` +
        "more than Stripe's 30 days of event retention ago, so changes since may be lost; reading the whole stream again.",
    );
    events = undefined;
  }
  if (!events) return { reader: new StreamReader(stream, pageSize, { pass: fresh(), events: anchorAt(now), walkAt: now }), warnings };
  const base = { ...(saved.cursor !== undefined ? { cursor: saved.cursor, cursorIds: saved.cursor_ids ?? [] } : {}) };
  return { reader: new StreamReader(stream, pageSize, { ...base, ...(saved.pass ? { pass: resumed(saved.pass) } : {}), events, walkAt: now }), warnings };
}

interface ReaderStart {
  pass?: Pass;
  cursor?: number;
  cursorIds?: readonly string[];
  /** Event cursor; with `walkAt` (unix seconds) an event walk follows the pass. */
  events?: EventCursor;
  walkAt?: number;
}

/** Tags a request with the part of the reader that asked for it. */
interface Tagged {
  request: PageRequest;
  source: PageSource;
}

/** One stream's read: an optional list pass, then an optional event walk. */
export class StreamReader {
  readonly stream: StreamDefinition;
  readonly #pageSize: number;
  readonly #pass: Pass | undefined;
  #cursor: number | undefined;
  #cursorIds: string[];
  #events: EventCursor | undefined;
  readonly #walkAt: number | undefined;
  #walk: EventWalk | undefined;
  readonly #sources = new Map<PageRequest, PageSource>();

  constructor(stream: StreamDefinition, pageSize: number, start: ReaderStart) {
    this.stream = stream;
    this.#pageSize = pageSize;
    this.#pass = start.pass;
    this.#cursor = start.cursor;
    this.#cursorIds = [...(start.cursorIds ?? [])];
    this.#events = start.events;
    this.#walkAt = start.walkAt;
  }

  get name(): string {
    return this.stream.name;
  }

  /** The pass, while it runs (the scheduler sets its split floor). */
  get pass(): Pass | undefined {
    return this.#pass && !this.#pass.done ? this.#pass : undefined;
  }

  get done(): boolean {
    if (this.#pass && !this.#pass.done) return false;
    if (this.#walkAt === undefined || !this.#events) return true;
    return this.#walk?.done ?? false;
  }

  /** A request to send now, or undefined. */
  next(): PageRequest | undefined {
    const tagged = this.#nextTagged();
    if (!tagged) return undefined;
    this.#sources.set(tagged.request, tagged.source);
    return tagged.request;
  }

  #nextTagged(): Tagged | undefined {
    if (this.#pass && !this.#pass.done) {
      const request = this.#pass.next();
      return request ? { request, source: this.#pass } : undefined;
    }
    if (this.#walkAt === undefined || !this.#events) return undefined;
    this.#walk ??= new EventWalk(this.stream, this.#pageSize, this.#events, this.#walkAt);
    const request = this.#walk.next();
    return request ? { request, source: this.#walk } : undefined;
  }

  /** Splits the pass's work near its end (SplitPass.splitNearEnd); false when it does not. */
  splitNearEnd(busy: number): boolean {
    return this.#pass instanceof SplitPass && !this.#pass.done && this.#pass.splitNearEnd(busy);
  }

  /** Splits the pass's work to use one more request slot (`ways`: see SplitPass.split); false when it cannot. */
  split(ways?: number): boolean {
    return this.#pass instanceof SplitPass && !this.#pass.done && this.#pass.split(ways);
  }

  /** WARN lines about this stream's read since the last call (a server that ignores the created filter). */
  takeWarnings(): string[] {
    return [...(this.#pass instanceof SplitPass ? this.#pass.takeWarnings() : []), ...(this.#walk?.takeWarnings() ?? [])];
  }

  /**
   * Handles the page of a request this reader made; returns the records to emit, in order.
   * @throws PagingError when the server pages in a way that cannot be read exactly (page-guard.ts).
   */
  handle(request: PageRequest, page: ListPage): StripeObject[] {
    const source = this.#take(request);
    const records = source.handle(request as never, page);
    if (source === this.#pass && this.#pass.done) this.#completePass();
    if (source === this.#walk) this.#events = this.#walk.cursor;
    return records;
  }

  /** A request failed on a vanished cursor object; true when it was planned again. */
  recover(request: PageRequest): boolean {
    return this.#take(request).recover(request as never);
  }

  #take(request: PageRequest): PageSource {
    const source = this.#sources.get(request);
    if (!source) throw new Error(`stream ${this.name}: a page for a request it did not make`);
    this.#sources.delete(request);
    return source;
  }

  /**
   * The pass's high water becomes the cursor. A complete second (read after it was over) moves the
   * cursor past it with no ids, so a crowd of any size in the newest second is never read again;
   * otherwise the cursor is that second, with the ids emitted there (capped: past the cap, the
   * next pass emits some of them again).
   */
  #completePass(): void {
    if (!(this.#pass instanceof SplitPass)) return;
    const high = this.#pass.highWater;
    if (!high) return;
    const cursor = high.complete ? high.created + 1 : high.created;
    const ids = high.complete ? [] : [...high.ids];
    if (cursor === this.#cursor) for (const id of this.#cursorIds) remember(ids, id);
    if (this.#cursor === undefined || cursor >= this.#cursor) {
      this.#cursor = cursor;
      this.#cursorIds = ids;
    }
  }

  /** The state covering every record returned by `handle` so far, and nothing more. */
  state(): StripeStreamState {
    const pass = this.#pass && !this.#pass.done ? this.#pass.state() : undefined;
    return {
      ...(this.#cursor !== undefined ? { cursor: this.#cursor, cursor_ids: [...this.#cursorIds] } : {}),
      ...(pass ? { pass } : {}),
      ...(this.#events ? { events: { ...this.#events } } : {}),
    };
  }
}
