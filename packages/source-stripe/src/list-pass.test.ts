import { describe, expect, it } from 'vitest';
import type { ListPage, Query, StripeObject } from './client.ts';
import { SplitPass, type RangeRequest } from './list-pass.ts';
import { Random } from '@sync/stripe-emulator';
import { passClaims } from './test-support.ts';
import type { PassState } from './state.ts';
import type { StreamDefinition } from './streams.ts';

const stream: StreamDefinition = {
  name: 'customers', path: '/v1/customers', object: 'customer', schema: 'customer',
  createdFilter: true, hasCreated: true, eventTypes: [], paginated: true, fixedParams: {},
};

/** `count` objects newest first (created desc, id desc), with ties, as Stripe lists them. */
function dataset(count: number, seed: number): StripeObject[] {
  const random = new Random(seed);
  let created = 1_700_000_000;
  const rows = Array.from({ length: count }, (_, i) => {
    created -= random.next() < 0.1 ? 0 : 1 + Math.floor(random.next() * 5000);
    return { id: `cus_${String(i).padStart(6, '0')}`, object: 'customer', created };
  });
  return rows.sort((a, b) => b.created - a.created || (b.id < a.id ? -1 : 1));
}

/** Stripe's list semantics over `rows` (newest first) for one query. */
function list(rows: readonly StripeObject[], query: Query): ListPage {
  const gte = Number(query['created[gte]'] ?? -Infinity);
  const lte = Number(query['created[lte]'] ?? Infinity);
  let matching = rows.filter((r) => (r.created as number) >= gte && (r.created as number) <= lte);
  if (query.starting_after !== undefined) {
    const at = rows.findIndex((r) => r.id === query.starting_after);
    matching = matching.filter((r) => rows.indexOf(r) > at);
  }
  const limit = Number(query.limit);
  return { data: matching.slice(0, limit), has_more: matching.length > limit };
}

/**
 * Drives a pass with up to `slots` requests in flight, completing them in a random order (a slow
 * page finishes after later ones), checking after every page that the state claims only what was
 * emitted (in this run or, `emittedBefore`, an earlier one). Stops after `stopAfter` pages when given; returns what was emitted and the states.
 */
function drive(pass: SplitPass, rows: readonly StripeObject[], options: { slots: number; seed: number; stopAfter?: number; emittedBefore?: readonly StripeObject[] }) {
  const random = new Random(options.seed);
  const inFlight: Array<{ request: RangeRequest; page: ListPage }> = [];
  const emitted: StripeObject[] = [];
  const states: PassState[] = [];
  let pages = 0;
  let maxInFlight = 0;
  for (;;) {
    while (inFlight.length < options.slots) {
      const request = pass.next() ?? (pass.split() ? pass.next() : undefined);
      if (!request) break;
      // The page is what the list holds when the request is sent.
      inFlight.push({ request, page: list(rows, request.query) });
    }
    maxInFlight = Math.max(maxInFlight, inFlight.length);
    if (inFlight.length === 0) break;
    const [done] = inFlight.splice(Math.floor(random.next() * inFlight.length), 1);
    emitted.push(...pass.handle(done!.request, done!.page));
    const state = pass.state();
    states.push(state);
    const ids = new Set([...(options.emittedBefore ?? []), ...emitted].map((r) => r.id));
    for (const row of rows) if (passClaims(state, row)) expect(ids.has(row.id), `state claims ${row.id as string} before it was emitted`).toBe(true);
    if (++pages === options.stopAfter) break;
  }
  return { emitted, states, maxInFlight };
}

const idsOf = (rows: readonly StripeObject[]) => rows.map((r) => r.id as string);

describe('SplitPass', () => {
  it('reads everything once, in parallel ranges, pages completing in any order', () => {
    const rows = dataset(2_000, 1);
    const pass = new SplitPass(stream, 50, { gte: 0 }, 1_600_000_000);
    const { emitted, maxInFlight } = drive(pass, rows, { slots: 6, seed: 2 });
    expect(pass.done).toBe(true);
    expect(idsOf(emitted).sort()).toEqual(idsOf(rows).sort());
    expect(maxInFlight).toBe(6);
    expect(pass.highWater).toEqual({ created: rows[0]!.created, ids: idsOf(rows.filter((r) => r.created === rows[0]!.created)) });
  });

  it('does not split a list that fits in one page', () => {
    const rows = dataset(30, 3);
    const pass = new SplitPass(stream, 50, { gte: 0 });
    expect(pass.next()).toBeDefined();
    expect(pass.split()).toBe(false);
  });

  it('resumes from a state taken mid-way: the rest, with no gaps and no duplicates', () => {
    for (const seed of [4, 5, 6]) {
      const rows = dataset(1_500, seed);
      const first = drive(new SplitPass(stream, 40, { gte: 0 }, 1_600_000_000), rows, { slots: 5, seed, stopAfter: 17 });
      const checkpoint = first.states.at(-1)!;
      expect(checkpoint.todo!.length).toBeGreaterThan(1);
      const resumed = drive(new SplitPass(stream, 40, { resume: checkpoint }, 1_600_000_000), rows, { slots: 5, seed: seed + 100, emittedBefore: first.emitted });
      const all = [...idsOf(first.emitted), ...idsOf(resumed.emitted)];
      expect(new Set(all).size, 'duplicates').toBe(all.length);
      expect(all.sort()).toEqual(idsOf(rows).sort());
    }
  });

  it('reads only `created ≥ gte`, skipping the ids already emitted at gte', () => {
    const rows = dataset(500, 7);
    const boundary = rows[300]!.created as number;
    const atBoundary = rows.filter((r) => r.created === boundary);
    const pass = new SplitPass(stream, 25, { gte: boundary, gteIds: [atBoundary[0]!.id as string] });
    const older = rows.filter((r) => (r.created as number) < boundary);
    const { emitted } = drive(pass, rows, { slots: 3, seed: 8, emittedBefore: [...older, atBoundary[0]!] });
    const expected = rows.filter((r) => (r.created as number) > boundary || (r.created === boundary && r.id !== atBoundary[0]!.id));
    expect(idsOf(emitted).sort()).toEqual(idsOf(expected).sort());
  });

  it('goes on by created when the object to start after was deleted', () => {
    const rows = dataset(120, 9);
    const pass = new SplitPass(stream, 50, { gte: 0 });
    const first = pass.next()!;
    const emitted = pass.handle(first, list(rows, first.query));
    const second = pass.next()!;
    expect(second.query.starting_after).toBe(emitted.at(-1)!.id);
    expect(pass.recover(second)).toBe(true);
    const retry = pass.next()!;
    expect(retry.query.starting_after).toBeUndefined();
    expect(retry.query['created[lte]']).toBe(emitted.at(-1)!.created);
    const rest = pass.handle(retry, list(rows, retry.query));
    expect(new Set([...idsOf(emitted), ...idsOf(rest)]).size).toBe(emitted.length + rest.length);
  });
});
