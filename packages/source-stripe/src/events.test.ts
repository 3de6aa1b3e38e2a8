import { describe, expect, it } from 'vitest';
import type { ListPage, Query, StripeObject } from './client.ts';
import { EVENT_RETENTION_SECONDS, EventWalk, anchorAt, isExpired, recordOfEvent } from './events.ts';
import { PagingError } from './page-guard.ts';
import type { EventCursor } from './state.ts';
import { streamNamed } from './streams.ts';

const customers = streamNamed('customers')!;

/** Events newest first, as Stripe lists them: `count` changes of customers, one per second from `from`. */
function history(count: number, from: number): StripeObject[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `evt_${String(i).padStart(4, '0')}`,
    object: 'event',
    type: i % 7 === 6 ? 'customer.deleted' : i % 2 ? 'customer.updated' : 'customer.created',
    created: from + i,
    data: { object: { id: `cus_${i % 5}`, object: 'customer', version: i } },
  })).reverse();
}

/** How the fake server differs from Stripe. */
interface Quirks {
  ignoreCreated?: boolean;
  ignoreEndingBefore?: boolean;
}

/** Stripe's list semantics for events (types, created[gte], starting_after, ending_before), bent by `quirks`. */
function list(events: readonly StripeObject[], query: Query, quirks: Quirks = {}): ListPage {
  const types = Object.entries(query).filter(([k]) => k.startsWith('types[')).map(([, v]) => v);
  let matching = events.filter((e) => types.length === 0 || types.includes(e.type as string));
  if (query['created[gte]'] !== undefined && !quirks.ignoreCreated) matching = matching.filter((e) => (e.created as number) >= Number(query['created[gte]']));
  const limit = Number(query.limit);
  if (query.ending_before !== undefined && !quirks.ignoreEndingBefore) {
    const at = matching.findIndex((e) => e.id === query.ending_before);
    if (at < 0) throw Object.assign(new Error('gone'), { code: 'resource_missing' });
    const newer = matching.slice(0, at);
    return { data: newer.slice(Math.max(0, newer.length - limit)), has_more: newer.length > limit };
  }
  if (query.starting_after !== undefined) matching = matching.slice(matching.findIndex((e) => e.id === query.starting_after) + 1);
  return { data: matching.slice(0, limit), has_more: matching.length > limit };
}

function walk(events: readonly StripeObject[], cursor: EventCursor, pageSize = 10, quirks: Quirks = {}) {
  const w = new EventWalk(customers, pageSize, cursor, 5_000);
  const records: StripeObject[] = [];
  let requests = 0;
  for (let request = w.next(); request; request = w.next()) {
    requests++;
    let page: ListPage;
    try {
      page = list(events, request.query, quirks);
    } catch {
      expect(w.recover(request)).toBe(true);
      continue;
    }
    records.push(...w.handle(request, page));
  }
  expect(w.done).toBe(true);
  return { records, cursor: w.cursor, requests, warnings: w.takeWarnings() };
}

describe('EventWalk', () => {
  const events = history(47, 1_000);
  const versions = (records: readonly StripeObject[]) => records.map((r) => r.version);

  it('replays the events after the cursor event, oldest first, with delete markers', () => {
    const after = events.find((e) => e.created === 1_009)!;
    const { records, cursor, requests } = walk(events, { created: 1_009, id: after.id as string, checked: 1_010 });
    expect(versions(records)).toEqual(Array.from({ length: 37 }, (_, i) => i + 10));
    expect(records.filter((r) => r._deleted === true).map((r) => r.version)).toEqual([13, 20, 27, 34, 41]);
    expect(cursor).toEqual({ created: 1_046, id: 'evt_0046', checked: 5_000 });
    expect(requests).toBe(4);
    // The newest version of each customer comes last.
    const last = new Map(records.map((r) => [r.id, r.version]));
    expect(last.get('cus_1')).toBe(46);
  });

  it('without a cursor event, pages down from the cursor second to the oldest page, then forward', () => {
    const { records, cursor } = walk(events, { created: 1_020, checked: 1_020 });
    expect(versions(records)).toEqual(Array.from({ length: 27 }, (_, i) => i + 20));
    expect(cursor.id).toBe('evt_0046');
    const none = walk(events, { created: 2_000, checked: 2_000 });
    expect(none).toMatchObject({ records: [], cursor: { created: 2_000, checked: 5_000 }, requests: 1 });
    const small = walk(events, { created: 1_040, checked: 1_040 });
    expect(versions(small.records)).toEqual([40, 41, 42, 43, 44, 45, 46]);
    expect(small.requests).toBe(1);
  });

  it('falls back to paging down from the cursor second when the cursor event is gone', () => {
    const { records } = walk(events, { created: 1_030, id: 'evt_expired', checked: 1_030 });
    expect(versions(records)).toEqual(Array.from({ length: 17 }, (_, i) => i + 30));
  });

  it('keeps only the events since the cursor when the server ignores created[gte], with one warning', () => {
    const expected = walk(events, { created: 1_020, checked: 1_020 });
    const ignored = walk(events, { created: 1_020, checked: 1_020 }, 10, { ignoreCreated: true });
    expect(versions(ignored.records)).toEqual(versions(expected.records));
    expect(ignored.cursor).toEqual(expected.cursor);
    expect(ignored.warnings).toEqual([expect.stringMatching(/^stream customers: the server ignores the created filter of \/v1\/events \(it sent evt_0019, created 1019/)]);
    expect(expected.warnings).toEqual([]);
    // The cursor second ends exactly with a page: the next page is all older, and the walk turns forward from there.
    const boundary = walk(events, { created: 1_027, checked: 1_027 }, 10, { ignoreCreated: true });
    expect(versions(boundary.records)).toEqual(Array.from({ length: 20 }, (_, i) => i + 27));
    expect(walk(events, { created: 2_000, checked: 2_000 }, 10, { ignoreCreated: true }).records).toEqual([]);
  });

  it('fails clearly instead of looping when the server ignores ending_before', () => {
    expect(() => walk(events, { created: 1_009, id: 'evt_0009', checked: 1_010 }, 10, { ignoreEndingBefore: true })).toThrow(PagingError);
  });

  it('asks Stripe for the stream\'s event types only', () => {
    const request = new EventWalk(customers, 100, { created: 1, id: 'evt_1', checked: 1 }, 2).next()!;
    expect(request.query).toEqual({ limit: 100, ending_before: 'evt_1', 'types[0]': 'customer.created', 'types[1]': 'customer.deleted', 'types[2]': 'customer.updated' });
  });
});

describe('event cursors', () => {
  it('start a little before the backfill and expire after 30 days without a complete walk', () => {
    expect(anchorAt(10_000)).toEqual({ created: 9_700, checked: 9_700 });
    expect(isExpired({ created: 0, checked: 100 }, 100 + EVENT_RETENTION_SECONDS)).toBe(false);
    expect(isExpired({ created: 0, checked: 100 }, 101 + EVENT_RETENTION_SECONDS)).toBe(true);
  });

  it('turn events into records of their stream only', () => {
    const event = (type: string, object: StripeObject) => ({ id: 'evt_1', type, created: 1, data: { object } });
    expect(recordOfEvent(customers, event('customer.updated', { id: 'cus_1', object: 'customer' }))).toEqual({ id: 'cus_1', object: 'customer' });
    expect(recordOfEvent(customers, event('customer.deleted', { id: 'cus_1', object: 'customer' }))).toEqual({ id: 'cus_1', object: 'customer', _deleted: true });
    expect(recordOfEvent(customers, event('customer.discount.created', { id: 'di_1', object: 'discount' }))).toBeUndefined();
    expect(recordOfEvent(streamNamed('invoices')!, event('invoice.upcoming', { object: 'invoice' }))).toBeUndefined();
  });
});
