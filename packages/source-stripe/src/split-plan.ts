/**
 * Where to split the `created` ranges of a list pass (list-pass.ts), from what each range has read:
 * how many objects a range still holds (its density so far, objects per second of `created`, times
 * the seconds it has left), which range to split, and where its parts begin.
 *
 * The costs it weighs (issue 13, the paced backfill: 100 ms a round trip, 25 requests/s):
 * - Every range ends in a part-empty page: a split that leaves two parts each ending in one costs a
 *   request, unless the newer part holds whole pages (less PAGE_MARGIN).
 * - A range's pages go one after another, a round trip apart. While fewer ranges are reading than
 *   the requests the rate limit keeps in flight, request slots go idle: at the start (one range) and
 *   near the end of a pass (the range with the most left reads its last pages alone).
 */

/** The part of a range the plan reads (list-pass.ts `Range`). */
export interface RangeShape {
  gte: number;
  lte: number | undefined;
  inFlight: boolean;
  /** Objects read, from `readTop` (unix s) down to `lte`. */
  read: number;
  readTop: number | undefined;
}

/** What a range holds below its page in flight, estimated from its density. */
export interface Estimate<R extends RangeShape = RangeShape> {
  range: R;
  /** Lowest second worth aiming at (the range's `gte`, or the floor when it lies inside). */
  lo: number;
  /** Newest second left below the page in flight (`lte` when none is in flight). */
  top: number;
  /** Objects per second; infinite while every object read shares one second. */
  perSecond: number;
  objects: number;
  /**
   * The range reaches below the floor: the oldest range, whose estimate counts the seconds between
   * the floor and the oldest object (unknown; a month in the emulator) as if they held objects.
   */
  oldest: boolean;
}

/**
 * Least objects, in pages, worth a split below a range's page in flight. From one page and a quarter
 * on, two halves take a request each, as many as the range alone would make (a full page and a
 * part-empty one), but at once instead of one after the other; the quarter covers the estimate.
 */
const MIN_SPLIT_PAGES = 1.25;

/**
 * The share of a page each part of a split but the oldest stays short of its last page by: it is
 * sized to whole pages less this, so that it ends in a nearly full page even when the density was a
 * little off, rather than in a page with a handful of objects.
 */
const PAGE_MARGIN = 0.15;

/**
 * Least request slots a split near the end of a pass must save (`nearEndSplit`): density is an
 * estimate, and about one split in three costs a request after all (a part holding a few objects
 * more than its whole pages).
 */
const MIN_SLOTS_SAVED = 2;

/** Round trips the other ranges may have left for a split near the end (`nearEndSplit`). */
const NEAR_END_ROUNDS = 3;

/**
 * What `range` holds below its page in flight; undefined before it has read a page (a new range is
 * split only once it has: an account's older objects may be far sparser than its newest).
 * @param floor lowest second worth aiming at (unix s).
 */
export function estimate<R extends RangeShape>(range: R, floor: number, pageSize: number): Estimate<R> | undefined {
  if (range.lte === undefined || range.read === 0 || range.readTop === undefined) return undefined;
  // Unknown, so unbounded, while every object read shares one second.
  const perSecond = range.readTop > range.lte ? range.read / (range.readTop - range.lte) : Number.POSITIVE_INFINITY;
  const lo = range.gte < floor && floor < range.lte ? floor : range.gte;
  // The page in flight reads about a page from the top of what is left.
  const top = range.inFlight && Number.isFinite(perSecond) ? range.lte - Math.ceil(pageSize / perSecond) : range.lte;
  return { range, lo, top, perSecond, objects: Math.max(0, top - lo) * perSecond, oldest: range.gte < floor };
}

/** The estimate with the most left among those worth a split (`oldest`: the oldest range may be one); undefined when none is. */
export function largest<R extends RangeShape>(estimates: ReadonlyArray<Estimate<R> | undefined>, pageSize: number, oldest = true): Estimate<R> | undefined {
  let best: Estimate<R> | undefined;
  for (const e of estimates) {
    if (!e || (e.oldest && !oldest) || e.top - e.lo < 2 || e.objects < MIN_SPLIT_PAGES * pageSize) continue;
    if (!best || e.objects > best.objects || (e.objects === best.objects && e.top - e.lo > best.top - best.lo)) best = e;
  }
  return best;
}

/** Parts a split in `ways` makes of `e`: at least two, at most one per page it holds, and one per second. */
export function partsOf(e: Estimate, ways: number, pageSize: number): number {
  return Math.max(2, Math.min(Math.floor(ways), Math.floor(e.objects / pageSize), e.top - e.lo));
}

/**
 * The lowest second of each part but the oldest of `e` (`lo`..`top`) in `parts` parts, newest first,
 * strictly decreasing, the last above `lo`: each holds `1/parts` of the estimate rounded down to
 * whole pages less PAGE_MARGIN; `1/parts` of the seconds when that is under a page or the density is
 * unknown. The oldest part takes the rest.
 */
export function partBounds(e: Estimate, parts: number, pageSize: number): number[] {
  const pages = Math.floor(e.objects / pageSize / parts);
  const seconds = Number.isFinite(e.perSecond) && pages >= 1 ? Math.floor(((pages - PAGE_MARGIN) * pageSize) / e.perSecond) : Math.floor((e.top - e.lo) / parts);
  const bounds: number[] = [];
  let next = e.top + 1;
  for (let i = 0; i < parts - 1; i++) {
    // Each part at least one second, and room left for the parts below it.
    next = Math.min(next - 1, Math.max(e.lo + (parts - 1 - i), e.top + 1 - (i + 1) * Math.max(1, seconds)));
    bounds.push(next);
  }
  return bounds;
}

/**
 * Near the end of a pass, the range to split in two so that its last pages are read side by side;
 * undefined when no split saves MIN_SLOTS_SAVED request slots.
 *
 * A round trip sends `busy` requests (what the rate limit keeps in flight), one per range at most.
 * Counted in round trips, a round with fewer than `busy` ranges still reading leaves slots idle; the
 * range with the most left (not the oldest, whose estimate is the least sure) is split when that
 * leaves fewer idle. A range with no estimate (not read yet) counts as reading to the end.
 */
export function nearEndSplit<R extends RangeShape>(estimates: ReadonlyArray<Estimate<R> | undefined>, busy: number, pageSize: number): Estimate<R> | undefined {
  const best = largest(estimates, pageSize, false);
  // A range whose objects all share one second so far has no estimate to go by.
  if (!best || !Number.isFinite(best.perSecond)) return undefined;
  const rounds = (e: Estimate, objects: number) => (e.range.inFlight ? 1 : 0) + Math.ceil(objects / pageSize);
  const before = estimates.map((e) => (e ? rounds(e, e.objects) : Number.POSITIVE_INFINITY));
  const at = estimates.indexOf(best);
  // Not before the others are about to end: until then, one that ends frees a slot, and the range
  // with the most left is split then (`largest`), with what its pages have said since.
  if (before.some((r, i) => i !== at && r > NEAR_END_ROUNDS)) return undefined;
  const [bound] = partBounds(best, 2, pageSize);
  const newer = Math.min(best.objects, Math.max(0, best.top + 1 - bound!) * best.perSecond);
  const after = [...before.slice(0, at), rounds(best, newer), Math.ceil((best.objects - newer) / pageSize), ...before.slice(at + 1)];
  return idleSlots(after, busy) <= idleSlots(before, busy) - MIN_SLOTS_SAVED ? best : undefined;
}

/**
 * Request slots left idle by ranges that take `rounds` round trips each, `busy` slots a round: in
 * each round, those of the `busy` slots no range is still reading in (ranges reading to the end,
 * `Infinity`, fill a slot in every round).
 */
export function idleSlots(rounds: readonly number[], busy: number): number {
  const last = Math.max(0, ...rounds.filter(Number.isFinite));
  let idle = 0;
  for (let round = 1; round <= last; round++) idle += Math.max(0, busy - rounds.filter((r) => r >= round).length);
  return idle;
}
