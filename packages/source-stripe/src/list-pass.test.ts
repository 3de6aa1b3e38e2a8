import { describe, expect, it } from 'vitest';
import type { ListPage, Query, StripeObject } from './client.ts';
import { SplitPass, type ListRequest } from './list-pass.ts';
import { PagingError } from './page-guard.ts';
import { Random } from '@sync/stripe-emulator';
import { passClaims } from './test-support.ts';
import type { PassState } from './state.ts';
import type { StreamDefinition } from './streams.ts';

const stream: StreamDefinition = {
  name: 'customers', path: '/v1/customers', object: 'customer', schema: 'customer',
  createdFilter: true, hasCreated: true, eventTypes: [], paginated: true, fixedParams: {},
};

interface DatasetOptions {
  /** Objects sharing the one second in the middle of the list. */
  crowd?: number;
  /** Most seconds between two objects (at random from 1; a tenth share a second); default 5,000. */
  gap?: number;
  /** Order within a second by a hash of the id instead of id descending. */
  shuffled?: boolean;
}

/** `count` objects newest first (created desc, then id desc or shuffled), with ties, as a server lists them. */
function dataset(count: number, seed: number, options: DatasetOptions = {}): StripeObject[] {
  const random = new Random(seed);
  let created = 1_700_000_000;
  const crowdFrom = Math.floor((count - (options.crowd ?? 0)) / 2);
  const rows = Array.from({ length: count }, (_, i) => {
    const inCrowd = options.crowd !== undefined && i > crowdFrom && i < crowdFrom + options.crowd;
    if (!inCrowd) created -= random.next() < 0.1 ? 0 : 1 + Math.floor(random.next() * (options.gap ?? 5000));
    return { id: `cus_${String(i).padStart(6, '0')}`, object: 'customer', created, rank: options.shuffled ? new Random(`${seed}:${i}`).next() : i };
  });
  return rows.sort((a, b) => b.created - a.created || b.rank - a.rank).map(({ rank: _rank, ...row }) => row);
}

/** How the fake server differs from Stripe. */
interface Quirks {
  ignoreCreated?: boolean;
  ignoreAfter?: boolean;
}

const positions = new WeakMap<readonly StripeObject[], Map<StripeObject, number>>();

/** Where `row` is in `rows` (an index built once per list). */
function positionIn(rows: readonly StripeObject[], row: StripeObject): number {
  let index = positions.get(rows);
  if (!index) positions.set(rows, (index = new Map(rows.map((r, i) => [r, i]))));
  return index.get(row)!;
}

/** Stripe's list semantics over `rows` (newest first, as given) for one query, bent by `quirks`. */
function list(rows: readonly StripeObject[], query: Query, quirks: Quirks = {}): ListPage {
  const gte = quirks.ignoreCreated ? -Infinity : Number(query['created[gte]'] ?? -Infinity);
  const lte = quirks.ignoreCreated ? Infinity : Number(query['created[lte]'] ?? Infinity);
  let matching = rows.filter((r) => (r.created as number) >= gte && (r.created as number) <= lte);
  if (query.starting_after !== undefined && !quirks.ignoreAfter) {
    const at = rows.findIndex((r) => r.id === query.starting_after);
    matching = matching.filter((r) => positionIn(rows, r) > at);
  }
  const limit = Number(query.limit);
  return { data: matching.slice(0, limit), has_more: matching.length > limit };
}

/**
 * Drives a pass with up to `slots` requests in flight, completing them in a random order (a slow
 * page finishes after later ones), checking after every page that the state claims only what was
 * emitted (in this run or, `emittedBefore`, an earlier one). Stops after `stopAfter` pages when given; returns what was emitted and the states.
 */
function drive(
  pass: SplitPass,
  rows: readonly StripeObject[],
  options: { slots: number; seed: number; stopAfter?: number; emittedBefore?: readonly StripeObject[]; quirks?: Quirks; inFlight?: readonly ListRequest[]; splits?: boolean },
) {
  const random = new Random(options.seed);
  const inFlight: Array<{ request: ListRequest; page: ListPage }> = (options.inFlight ?? []).map((request) => ({ request, page: list(rows, request.query, options.quirks) }));
  const emitted: StripeObject[] = [];
  const states: PassState[] = [];
  let pages = 0;
  let fetched = 0;
  let maxInFlight = 0;
  for (;;) {
    while (inFlight.length < options.slots) {
      const request = pass.next() ?? (options.splits !== false && pass.split() ? pass.next() : undefined);
      if (!request) break;
      // The page is what the list holds when the request is sent.
      inFlight.push({ request, page: list(rows, request.query, options.quirks) });
    }
    maxInFlight = Math.max(maxInFlight, inFlight.length);
    if (inFlight.length === 0) break;
    const [done] = inFlight.splice(Math.floor(random.next() * inFlight.length), 1);
    fetched += done!.page.data.length;
    emitted.push(...pass.handle(done!.request, done!.page));
    const state = pass.state();
    states.push(state);
    const ids = new Set([...(options.emittedBefore ?? []), ...emitted].map((r) => r.id));
    for (const row of rows) if (passClaims(state, row)) expect(ids.has(row.id), `state claims ${row.id as string} before it was emitted`).toBe(true);
    if (++pages === options.stopAfter) break;
  }
  return { emitted, states, maxInFlight, pages, fetched, warnings: pass.takeWarnings() };
}

/**
 * Drives a pass in round trips, as read.ts does with `busy` requests a round: every request the pass
 * has ready is sent, then (`splits` 'fill' or 'all') it is split to fill the rest of the `busy`
 * requests, and ('all') near its end while its pages are in flight; then all the pages arrive, in
 * order. Returns what was emitted, the round trips and the requests it took.
 */
function rounds(pass: SplitPass, rows: readonly StripeObject[], busy: number, splits: 'none' | 'fill' | 'all') {
  const emitted: StripeObject[] = [];
  let count = 0;
  let pages = 0;
  let fetched = 0;
  while (!pass.done) {
    const sent: Array<{ request: ListRequest; page: ListPage }> = [];
    for (;;) {
      const request = pass.next();
      if (request) {
        sent.push({ request, page: list(rows, request.query) });
        continue;
      }
      const missing = busy - sent.length;
      if (splits === 'none' || (missing > 0 ? !pass.split(missing + 1) : splits === 'fill' || !pass.splitNearEnd(busy))) break;
    }
    for (const { request, page } of sent) {
      fetched += page.data.length;
      emitted.push(...pass.handle(request, page));
    }
    count++;
    pages += sent.length;
  }
  return { emitted, rounds: count, pages, fetched };
}

/** Checks that `runs` together emitted every id of `expected` exactly once. */
function expectExact(runs: ReadonlyArray<{ emitted: readonly StripeObject[] }>, expected: readonly StripeObject[]): void {
  const all = runs.flatMap((run) => idsOf(run.emitted));
  expect(all.length - new Set(all).size, 'duplicates').toBe(0);
  expect(all.sort()).toEqual(idsOf(expected).sort());
}

const idsOf = (rows: readonly StripeObject[]) => rows.map((r) => r.id as string);

describe('SplitPass', () => {
  it('reads everything once, in parallel ranges, pages completing in any order', () => {
    const rows = dataset(2_000, 1);
    const pass = new SplitPass(stream, 50, { gte: 0 }, { floor: 1_600_000_000 });
    const { emitted, maxInFlight } = drive(pass, rows, { slots: 6, seed: 2 });
    expect(pass.done).toBe(true);
    expect(idsOf(emitted).sort()).toEqual(idsOf(rows).sort());
    expect(maxInFlight).toBe(6);
    expect(pass.highWater).toEqual({ created: rows[0]!.created, ids: idsOf(rows.filter((r) => r.created === rows[0]!.created)), complete: false });
  });

  it('knows its high water second complete only when it read it in this run, after the second was over', () => {
    const rows = dataset(200, 30);
    const newest = rows[0]!.created as number;
    const settled = new SplitPass(stream, 50, { gte: 0 }, { settledBefore: newest + 1 });
    drive(settled, rows, { slots: 2, seed: 31 });
    expect(settled.highWater).toMatchObject({ created: newest, complete: true });
    const recent = new SplitPass(stream, 50, { gte: 0 }, { settledBefore: newest });
    drive(recent, rows, { slots: 2, seed: 31 });
    expect(recent.highWater).toMatchObject({ created: newest, complete: false });
    // Resumed with its high water from an earlier run, nothing newer read: when it was read is unknown.
    const resumed = new SplitPass(stream, 50, { resume: { high_water: newest, high_water_ids: [rows[0]!.id as string], todo: [{ gte: 0, lte: newest - 10_000 }] } }, { settledBefore: newest + 1 });
    drive(resumed, rows, { slots: 2, seed: 32, emittedBefore: rows.filter((r) => (r.created as number) > newest - 10_000) });
    expect(resumed.highWater).toMatchObject({ created: newest, complete: false });
  });

  it('splits a range only where its density says it pays, even with the floor far below the data: no object read twice, few part-empty pages', () => {
    for (const seed of [40, 41, 42]) {
      const rows = dataset(5_000, seed);
      const pass = new SplitPass(stream, 50, { gte: 0 }, { floor: 1_600_000_000 });
      const run = drive(pass, rows, { slots: 5, seed });
      expectExact([run], rows);
      expect(run.fetched).toBe(rows.length);
      // 100 full pages, and one part-empty page per range (splitting every range that had more: 110–113 pages, 15–40 objects read twice).
      expect(run.pages).toBeLessThanOrEqual(108);
    }
  });

  it("plans as many ranges as asked from a backfill's first page, of about the same size, in few more requests than pages", () => {
    for (const seed of [43, 44, 45]) {
      const rows = dataset(4_000, seed);
      const oldest = rows.at(-1)!.created as number;
      const pass = new SplitPass(stream, 50, { gte: 0 }, { floor: oldest - 1 });
      const first = pass.next()!;
      const emitted = pass.handle(first, list(rows, first.query));
      const next = pass.next()!;
      expect(pass.split(4)).toBe(true);
      const todo = pass.state().todo!;
      expect(todo).toHaveLength(4);
      // What each range holds, the newest below the page it has in flight.
      const inFlight = list(rows, next.query).data.length;
      const held = todo.map((r, i) => rows.filter((o) => (o.created as number) >= r.gte && (o.created as number) <= r.lte!).length - (i === 0 ? emitted.length + inFlight : 0));
      // Whole pages less a margin each, from one page's density; the oldest takes what is left.
      expect(Math.max(...held.slice(0, 3)) / Math.min(...held.slice(0, 3)), JSON.stringify(held)).toBeLessThan(1.15);
      expect(held[3]! / Math.min(...held), JSON.stringify(held)).toBeLessThan(1.3);
      const rest = drive(pass, rows, { slots: 5, seed, emittedBefore: emitted, inFlight: [next], splits: false });
      expectExact([{ emitted }, rest], rows);
      expect(rest.fetched + emitted.length).toBe(rows.length);
      // 80 full pages and one part-empty: the oldest range's. The others end in a page of whole pages less a margin, rarely one more.
      // 80 pages' worth in four ranges, each ending in a part-empty page: at most two more.
      expect(rest.pages + 1).toBeLessThanOrEqual(82);
    }
  });

  it('near its end, splits the range that would read alone before the others end, for a request or two more', () => {
    for (const seed of [46, 47, 48]) {
      const rows = dataset(825, seed);
      const lengths = { fill: 0, all: 0 };
      const pages = { fill: 0, all: 0 };
      for (const splits of ['fill', 'all'] as const) {
        // Four ranges, as many as requests a round trip: the newest holds 12 pages, the others a page and a half.
        const [a, b, c] = [599, 674, 749].map((i) => rows[i]!.created as number);
        const todo = [{ gte: a! + 1 }, { gte: b! + 1, lte: a! }, { gte: c! + 1, lte: b! }, { gte: 0, lte: c! }];
        const pass = new SplitPass(stream, 50, { resume: { todo } }, { floor: (rows.at(-1)!.created as number) - 1 });
        const run = rounds(pass, rows, 4, splits);
        expectExact([run], rows);
        expect(run.fetched).toBe(rows.length);
        lengths[splits] = run.rounds;
        pages[splits] = run.pages;
      }
      // Filling the slots the others leave splits it a round trip later.
      expect(lengths.all, JSON.stringify({ lengths, pages })).toBeLessThan(lengths.fill);
      expect(pages.all, JSON.stringify({ lengths, pages })).toBeLessThanOrEqual(pages.fill + 2);
    }
  });

  it('sees a range run into a crowd of objects by the density of its latest pages, and splits it', () => {
    // 2,000 objects a few thousand seconds apart, 2,000 about 50 s apart (an import), 2,000 more as the first.
    const part = (seed: number, gap: number, below?: readonly StripeObject[]) => {
      const rows = dataset(2_000, seed, { gap });
      const shift = below ? (rows[0]!.created as number) - (below.at(-1)!.created as number) + 1_000 : 0;
      return rows.map((r) => ({ ...r, id: `cus_${seed}_${r.id as string}`, created: (r.created as number) - shift }));
    };
    const newest = part(60, 5_000);
    const crowd = part(61, 100, newest);
    const rows = [...newest, ...crowd, ...part(62, 5_000, crowd)];
    const pass = new SplitPass(stream, 50, { gte: 0 }, { floor: (rows.at(-1)!.created as number) - 1 });
    const run = rounds(pass, rows, 4, 'all');
    expectExact([run], rows);
    expect(run.fetched).toBe(rows.length);
    // 120 pages, four a round trip: 30. By the density of all a range read, 50 round trips (splits
    // planned too small in the crowd), 52-61 splitting in two, as before this change.
    expect(run.rounds, JSON.stringify(run)).toBeLessThanOrEqual(36);
    expect(run.pages).toBeLessThanOrEqual(130);
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
      const first = drive(new SplitPass(stream, 40, { gte: 0 }, { floor: 1_600_000_000 }), rows, { slots: 5, seed, stopAfter: 17 });
      const checkpoint = first.states.at(-1)!;
      expect(checkpoint.todo!.length).toBeGreaterThan(1);
      const resumed = drive(new SplitPass(stream, 40, { resume: checkpoint }, { floor: 1_600_000_000 }), rows, { slots: 5, seed: seed + 100, emittedBefore: first.emitted });
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

describe('SplitPass against servers that are not quite Stripe', () => {
  it('pages through thousands of objects of one second exactly, and resumes in the middle of them', () => {
    for (const shuffled of [false, true]) {
      const rows = dataset(4_000, 11, { crowd: 3_000, shuffled });
      const crowdSecond = rows[2_000]!.created;
      expect(rows.filter((r) => r.created === crowdSecond).length).toBeGreaterThanOrEqual(3_000);
      expectExact([drive(new SplitPass(stream, 100, { gte: 0 }, { floor: 1_600_000_000 }), rows, { slots: 6, seed: 12 })], rows);
      // Stop inside the crowd: the state remembers only 100 of its ids, and where the range got to.
      const first = drive(new SplitPass(stream, 100, { gte: 0 }, { floor: 1_600_000_000 }), rows, { slots: 1, seed: 13, stopAfter: 20 });
      const checkpoint = first.states.at(-1)!;
      expect(checkpoint.todo!.some((r) => r.lte === crowdSecond && r.lte_ids!.length === 100 && r.after !== undefined)).toBe(true);
      const resumed = drive(new SplitPass(stream, 100, { resume: checkpoint }, { floor: 1_600_000_000 }), rows, { slots: 6, seed: 14, emittedBefore: first.emitted });
      expectExact([first, resumed], rows);
    }
  });

  it('reads a list ordered its own way within each second exactly, resumed at any point', () => {
    const rows = dataset(2_000, 15, { shuffled: true });
    expectExact([drive(new SplitPass(stream, 30, { gte: 0 }, { floor: 1_600_000_000 }), rows, { slots: 5, seed: 16 })], rows);
    for (const stopAfter of [3, 17, 40]) {
      const first = drive(new SplitPass(stream, 30, { gte: 0 }, { floor: 1_600_000_000 }), rows, { slots: 5, seed: stopAfter, stopAfter });
      const resumed = drive(new SplitPass(stream, 30, { resume: first.states.at(-1)! }, { floor: 1_600_000_000 }), rows, { slots: 5, seed: stopAfter + 1, emittedBefore: first.emitted });
      expectExact([first, resumed], rows);
    }
  });

  it('falls back to paging without the created filter when the server ignores it: every object once, one warning', () => {
    for (const shape of [{}, { crowd: 500 }, { shuffled: true }]) {
      const rows = dataset(2_000, 17, shape);
      const pass = new SplitPass(stream, 50, { gte: 0 }, { floor: 1_600_000_000 });
      const run = drive(pass, rows, { slots: 6, seed: 18, quirks: { ignoreCreated: true } });
      expect(pass.done).toBe(true);
      expectExact([run], rows);
      expect(run.warnings).toHaveLength(1);
      expect(run.warnings[0]).toMatch(/^stream customers: the server ignores the created filter of \/v1\/customers \(it sent cus_\d+ \(created \d+\) for GET \/v1\/customers\?limit=50&created\[lte\]=\d+.*\); reading the rest of this pass page by page with starting_after/);
      expect(pass.highWater).toEqual({ created: rows[0]!.created, ids: idsOf(rows.filter((r) => r.created === rows[0]!.created)), complete: false });
    }
  });

  it('reads only what is new by created (gte = cursor) from a server that ignores the filter, and stops below it', () => {
    const rows = dataset(1_000, 19);
    const cursor = rows[120]!.created as number;
    const atCursor = rows.filter((r) => r.created === cursor);
    const pass = new SplitPass(stream, 40, { gte: cursor, gteIds: [atCursor[0]!.id as string] });
    const older = rows.filter((r) => (r.created as number) < cursor);
    const run = drive(pass, rows, { slots: 4, seed: 20, quirks: { ignoreCreated: true }, emittedBefore: [...older, atCursor[0]!] });
    expectExact([run], rows.filter((r) => (r.created as number) > cursor || (r.created === cursor && r.id !== atCursor[0]!.id)));
    expect(run.warnings).toHaveLength(1);
  });

  it('resumes a read that fell back from its state, after the last object it read', () => {
    const rows = dataset(1_500, 21, { crowd: 300 });
    const first = drive(new SplitPass(stream, 40, { gte: 0 }, { floor: 1_600_000_000 }), rows, { slots: 5, seed: 22, quirks: { ignoreCreated: true }, stopAfter: 30 });
    const checkpoint = first.states.at(-1)!;
    expect(checkpoint.after).toBeDefined();
    expect(checkpoint.todo!.length).toBeGreaterThan(0);
    const pass = new SplitPass(stream, 40, { resume: checkpoint }, { floor: 1_600_000_000 });
    expect(pass.takeWarnings()).toEqual([expect.stringMatching(/resuming a read without the created filter/)]);
    const resumed = drive(pass, rows, { slots: 5, seed: 23, quirks: { ignoreCreated: true }, emittedBefore: first.emitted });
    expectExact([first, resumed], rows);
  });

  it('fails clearly instead of looping when the server also ignores starting_after', () => {
    // A crowd larger than a page: filtering by created cannot get past it without starting_after.
    const crowded = dataset(600, 24, { crowd: 200 });
    expect(() => drive(new SplitPass(stream, 50, { gte: 0 }, { floor: 1_600_000_000 }), crowded, { slots: 4, seed: 25, quirks: { ignoreAfter: true } })).toThrow(PagingError);
    expect(() => drive(new SplitPass(stream, 50, { gte: 0 }, { floor: 1_600_000_000 }), crowded, { slots: 4, seed: 25, quirks: { ignoreAfter: true } })).toThrow(
      /^stream customers: the read would ask for the same page twice \(GET \/v1\/customers\?limit=50.*\).*stopped rather than read forever/,
    );
    // Neither filter nor cursor: the unfiltered read gets the first page again.
    const rows = dataset(300, 26);
    expect(() => drive(new SplitPass(stream, 50, { gte: 0 }, { floor: 1_600_000_000 }), rows, { slots: 4, seed: 27, quirks: { ignoreCreated: true, ignoreAfter: true } })).toThrow(PagingError);
  });

  it('refuses a list that is not newest first once it reads without the filter', () => {
    const rows = dataset(300, 28);
    const shuffled = [...rows].sort((a, b) => ((a.id as string) < (b.id as string) ? -1 : 1)).reverse();
    shuffled.push(shuffled.shift()!);
    expect(() => drive(new SplitPass(stream, 50, { gte: 0 }, { floor: 1_600_000_000 }), shuffled, { slots: 1, seed: 29, quirks: { ignoreCreated: true } })).toThrow(/the list is not newest first/);
  });
});
