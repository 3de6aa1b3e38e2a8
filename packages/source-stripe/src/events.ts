/**
 * Incremental reads by events: once a stream is backfilled, Stripe's events
 * (https://docs.stripe.com/api/events) say what changed. A walk lists the events of the stream's
 * types (`types[]`) that came after the event cursor, oldest first, and emits each event's
 * `data.object`: the object as it was at that event. Replaying in order means the newest version
 * is emitted last, which is the one the destination keeps (upsert by id, last one wins on equal
 * `created`). A `*.deleted` event emits the object with `_deleted: true`.
 *
 * Oldest first: Stripe lists newest first, so the walk pages *backwards* with `ending_before`
 * (each page is the `limit` events just newer than the cursor). A cursor without an event id
 * (nothing happened since the backfill started) first pages down `created[gte]` to the oldest page,
 * keeping only the page in hand, then walks forward from there.
 *
 * Stripe keeps events for 30 days: a cursor whose walk last reached the end more than 30 days ago
 * may have missed some, and the stream is backfilled again (reader.ts).
 *
 * A server that ignores `created[gte]` (events older than the cursor on the way down) is handled
 * too, with one WARN: the first page that reaches below the cursor is the oldest page, and only its
 * events at or after the cursor count. The walk never asks for the same page twice (page-guard.ts).
 */
import { DELETED_FIELD } from '@sync/protocol';
import type { ListPage, StripeObject } from './client.ts';
import { PageGuard, describeRequest } from './page-guard.ts';
import type { PageRequest, PageSource } from './page-request.ts';
import type { EventCursor } from './state.ts';
import type { StreamDefinition } from './streams.ts';

/** Stripe's event retention, seconds (https://docs.stripe.com/api/events). */
export const EVENT_RETENTION_SECONDS = 30 * 24 * 3600;

/**
 * How far before the start of a backfill its event cursor begins, seconds: covers a clock that is
 * ahead of Stripe's. Replaying an event from before the backfill is harmless (the events after it
 * are replayed too, in order).
 */
export const ANCHOR_MARGIN_SECONDS = 300;

/** The event cursor of a backfill starting at `now` (unix seconds). */
export function anchorAt(now: number): EventCursor {
  return { created: now - ANCHOR_MARGIN_SECONDS, checked: now - ANCHOR_MARGIN_SECONDS };
}

/** True when the events after `cursor` may have expired by `now` (unix seconds). */
export function isExpired(cursor: EventCursor, now: number): boolean {
  return now - cursor.checked > EVENT_RETENTION_SECONDS;
}

interface StripeEvent {
  id: string;
  type: string;
  created: number;
  data?: { object?: StripeObject };
}

export interface EventRequest extends PageRequest {
  readonly phase: 'forward' | 'descend';
}

/** The record an event contributes to `stream`, or undefined when it carries none of its objects. */
export function recordOfEvent(stream: StreamDefinition, event: StripeEvent): StripeObject | undefined {
  const object = event.data?.object;
  // `invoice.upcoming` carries an invoice that does not exist yet (no id).
  if (!object || object.object !== stream.object || typeof object.id !== 'string') return undefined;
  return event.type.endsWith('.deleted') ? { ...object, [DELETED_FIELD]: true } : object;
}

/** One walk over a stream's events, from its cursor to the newest event. */
export class EventWalk implements PageSource<EventRequest> {
  readonly #stream: StreamDefinition;
  readonly #pageSize: number;
  readonly #startedAt: number;
  #cursor: EventCursor;
  #phase: 'forward' | 'descend';
  /** While descending: the id to continue after (towards older events). */
  #descendAfter: string | undefined;
  #inFlight = false;
  #done = false;
  readonly #guard: PageGuard;
  /** Times the walk paged down from the top again (events expired under it). */
  #restarts = 0;
  #warnings: string[] = [];
  #warned = false;

  /** @param now unix seconds when the walk starts; becomes `checked` when it reaches the end. */
  constructor(stream: StreamDefinition, pageSize: number, cursor: EventCursor, now: number) {
    this.#stream = stream;
    this.#pageSize = pageSize;
    this.#cursor = { ...cursor };
    this.#startedAt = now;
    this.#phase = cursor.id ? 'forward' : 'descend';
    this.#guard = new PageGuard(stream.name, Number.POSITIVE_INFINITY);
  }

  /** WARN lines since the last call: at most one, when the server ignores `created[gte]`. */
  takeWarnings(): string[] {
    return this.#warnings.splice(0);
  }

  get done(): boolean {
    return this.#done;
  }

  get cursor(): EventCursor {
    return { ...this.#cursor };
  }

  /** @throws PagingError when the walk would ask for a page it asked for before. */
  next(): EventRequest | undefined {
    if (this.#done || this.#inFlight) return undefined;
    const query: Record<string, string | number> = { limit: this.#pageSize };
    this.#stream.eventTypes.forEach((type, i) => (query[`types[${i}]`] = type));
    if (this.#phase === 'forward') {
      query.ending_before = this.#cursor.id!;
    } else {
      query['created[gte]'] = this.#cursor.created;
      if (this.#descendAfter) query.starting_after = this.#descendAfter;
    }
    this.#guard.ask(`${this.#restarts}|${this.#phase}|${query.ending_before ?? ''}|${query['created[gte]'] ?? ''}|${query.starting_after ?? ''}`, '/v1/events', query);
    this.#inFlight = true;
    return { kind: 'events', path: '/v1/events', query, phase: this.#phase };
  }

  handle(request: EventRequest, page: ListPage): StripeObject[] {
    this.#inFlight = false;
    let events = page.data as unknown as StripeEvent[];
    let hasMore = page.has_more;
    if (request.phase === 'descend') {
      const since = Number(request.query['created[gte]']);
      const below = events.findIndex((event) => event.created < since);
      if (below >= 0) {
        if (!this.#warned) {
          this.#warned = true;
          this.#warnings.push(
            `stream ${this.#stream.name}: the server ignores the created filter of /v1/events (it sent ${events[below]!.id}, created ${events[below]!.created}, ` +
              `for ${describeRequest(request.path, request.query)}); the walk keeps only the events since its cursor.`,
          );
        }
        if (below === 0 && this.#descendAfter !== undefined) {
          // The events since the cursor ended with the page before: walk forward from just below them.
          this.#cursor = { ...this.#cursor, id: events[0]!.id, created: events[0]!.created };
          this.#phase = 'forward';
          this.#descendAfter = undefined;
          return [];
        }
        // This page reaches below the cursor: it is the oldest page of the events since.
        events = events.slice(0, below);
        hasMore = false;
      }
    }
    if (request.phase === 'descend' && hasMore && events.length > 0) {
      // Not the oldest page yet: keep going down, emit nothing.
      this.#descendAfter = events.at(-1)!.id;
      return [];
    }
    if (request.phase === 'descend' && events.length === 0 && this.#descendAfter !== undefined) {
      // The older pages vanished under us (retention): page down again from the top.
      this.#descendAfter = undefined;
      this.#restarts++;
      return [];
    }
    const out: StripeObject[] = [];
    for (let i = events.length - 1; i >= 0; i--) {
      const record = recordOfEvent(this.#stream, events[i]!);
      if (record) out.push(record);
    }
    const newest = events[0];
    if (newest) this.#cursor = { ...this.#cursor, id: newest.id, created: newest.created };
    // Descending reached the oldest page: walk forward from its newest event (there may be more).
    const more = request.phase === 'descend' ? this.#descendAfter !== undefined : hasMore;
    this.#phase = 'forward';
    this.#descendAfter = undefined;
    if (!more || !newest) {
      this.#done = true;
      this.#cursor.checked = this.#startedAt;
    }
    return out;
  }

  recover(request: EventRequest): boolean {
    // The cursor's event is gone (past retention, while `checked` is recent): page down from its second.
    if (request.phase !== 'forward') return false;
    this.#phase = 'descend';
    this.#descendAfter = undefined;
    this.#restarts++;
    this.#inFlight = false;
    return true;
  }
}
