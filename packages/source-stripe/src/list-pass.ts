/**
 * A split pass: one read down a stream's list, newest first (Stripe lists `created` descending,
 * https://docs.stripe.com/api/pagination), for lists with a `created` filter, as several `created`
 * ranges read at once. It starts with one range; once a range has read a page, its density tells
 * how much it has left, and when a request slot is free (or near the end of the pass) the range with
 * the most left is split in parts (split-plan.ts): it keeps the newest and the others become new
 * ranges, read in parallel. Each range pages with `starting_after`; a range's progress is
 * "everything from its top down to the last object emitted", so what remains is always a list of
 * ranges (state.ts `todo`), whatever order pages complete in.
 *
 * Exact whatever the server does:
 * - A second cannot be split: a crowd of objects in one second is paged through with
 *   `starting_after`, and a range remembers (in memory) every id it emitted in its current second,
 *   so a restart at that second skips them all. The order of objects within a second is the
 *   server's own; nothing here depends on it.
 * - An object outside the `created` range a request asked for means the server ignores the filter:
 *   the pass freezes what it still has to read and reads it with `starting_after` alone
 *   (unfiltered-pass.ts), with one WARN. Pages asked for before that are dropped when they arrive.
 * - It never asks for the same page twice, and the objects it is sent but does not emit stay within
 *   what its splits and restarts can explain (page-guard.ts); otherwise a PagingError
 *   (`system_error`) ends the read.
 */
import type { ListPage, Query, StripeObject } from './client.ts';
import { PageGuard, describeRequest } from './page-guard.ts';
import type { PageRequest, PageSource } from './page-request.ts';
import { estimate, largest, nearEndSplit, partBounds, partsOf, type Estimate } from './split-plan.ts';
import { remember, type PassState, type TodoRange } from './state.ts';
import type { StreamDefinition } from './streams.ts';
import { UnfilteredRead, todoOf, type FrozenRange, type UnfilteredRequest } from './unfiltered-pass.ts';

/** 2011-01-01: no Stripe object is older; splits aim above it (ranges still start at 0). */
export const STRIPE_EPOCH = 1_293_840_000;

interface Range {
  gte: number;
  lte: number | undefined;
  /** Every id emitted at `lte` (this run, or resumed); the state keeps the first MAX_BOUNDARY_IDS. */
  lteIds: Set<string>;
  /** Ids emitted at `gte` by an earlier pass: skipped. */
  gteIds: ReadonlySet<string>;
  /** The last object emitted (or skipped) by this range: the next page starts after it. */
  after: string | undefined;
  /** Times this range restarted at `lte` because its `after` object vanished. */
  restarts: number;
  inFlight: boolean;
  /**
   * Objects this range read in its last RECENT_PAGES pages, from `readTop` (unix s) down to `lte`:
   * its density, for splits.
   */
  read: number;
  readTop: number | undefined;
  /** Those pages: the objects each read, and the `created` of its first. */
  recent: Array<{ objects: number; top: number }>;
}

/**
 * Pages a range's density is taken over: its latest, so that a range running into a crowd of
 * objects (an import: thousands in a day after months of a few a day) is seen to hold more than
 * its average so far says (modelled for issue 13: a range holding half of the objects, created in
 * a fiftieth of the time, read its last 30 pages alone, a round trip each), and enough of them that
 * the estimate holds to about a tenth of a page a page.
 */
const RECENT_PAGES = 8;

export interface RangeRequest extends PageRequest {
  readonly mode: 'range';
  readonly range: Range;
  /** The `created[gte]` / `created[lte]` sent (unix s), undefined when not sent. */
  readonly askedGte: number | undefined;
  readonly askedLte: number | undefined;
}

export type ListRequest = RangeRequest | UnfilteredRequest;

export interface SplitPassOptions {
  /** Lowest second worth aiming a split at (unix s); default STRIPE_EPOCH. */
  floor?: number;
  /**
   * Seconds before this one (unix s) were over when this run started, with a margin for clocks:
   * no object created later can have them as `created`. A high water below it, reached in this
   * run, is complete (`highWater.complete`). Default: none is.
   */
  settledBefore?: number;
}

/** The newest second a pass emitted: the next `cursor`. */
export interface HighWater {
  created: number;
  /** The ids emitted in that second (at most MAX_BOUNDARY_IDS). */
  ids: readonly string[];
  /** Every object of that second has been emitted (it was read in this run, after the second was over). */
  complete: boolean;
}

function frozen(range: Range): FrozenRange {
  return { gte: range.gte, lte: range.lte, lteIds: new Set(range.lteIds), gteIds: range.gteIds };
}

/** A pass over `created` ranges read in parallel. */
export class SplitPass implements PageSource<ListRequest> {
  readonly #stream: StreamDefinition;
  readonly #pageSize: number;
  /** Lowest second worth aiming a split at (the account's creation, else STRIPE_EPOCH). */
  #floor: number;
  /** Newest first by `gte`. */
  readonly #ranges: Range[];
  #highWater: number | undefined;
  #highWaterIds: string[];
  /** The high water was raised in this run (not resumed from a state). */
  #highWaterRaised = false;
  readonly #settledBefore: number;
  readonly #guard: PageGuard;
  /** Requests sent and not yet handled (or recovered). */
  #inFlight = 0;
  /** Set once the server showed it ignores the `created` filter. */
  #unfiltered: UnfilteredRead | undefined;
  #warnings: string[] = [];

  /**
   * @param start the saved pass to resume, or the range of a new pass (`gte`, with the ids
   *   already emitted at `gte`).
   */
  constructor(stream: StreamDefinition, pageSize: number, start: { resume: PassState } | { gte: number; gteIds?: readonly string[] }, options: SplitPassOptions = {}) {
    this.#stream = stream;
    this.#pageSize = pageSize;
    this.#floor = options.floor ?? STRIPE_EPOCH;
    this.#settledBefore = options.settledBefore ?? Number.NEGATIVE_INFINITY;
    const range = (r: Pick<Range, 'gte' | 'lte' | 'after'> & { lteIds?: readonly string[]; gteIds?: readonly string[] }): Range => ({
      gte: r.gte, lte: r.lte, lteIds: new Set(r.lteIds), gteIds: new Set(r.gteIds), after: r.after, restarts: 0, inFlight: false, read: 0, readTop: undefined, recent: [],
    });
    if ('resume' in start) {
      const todo = start.resume.todo ?? [];
      this.#ranges = todo.map((r: TodoRange) => range({ gte: r.gte, lte: r.lte, after: r.after, ...(r.lte_ids ? { lteIds: r.lte_ids } : {}), ...(r.gte_ids ? { gteIds: r.gte_ids } : {}) }));
      this.#highWater = start.resume.high_water;
      this.#highWaterIds = [...(start.resume.high_water_ids ?? [])];
      if (start.resume.after !== undefined && this.#ranges.length > 0) {
        this.#unfiltered = new UnfilteredRead(stream, pageSize, this.#ranges.map(frozen), start.resume.after);
        this.#warnings.push(`stream ${stream.name}: resuming a read without the created filter (the server ignored it in an earlier run), page by page after ${start.resume.after}.`);
      }
    } else {
      this.#ranges = [range({ gte: start.gte, lte: undefined, after: undefined, ...(start.gteIds ? { gteIds: start.gteIds } : {}) })];
      this.#highWater = undefined;
      this.#highWaterIds = [];
    }
    // Objects a correct server may send that the pass does not emit: the resumed boundary ids, and
    // one page (a range that ends, or a page that was in flight when the server showed it ignores the filter).
    const boundaryIds = this.#ranges.reduce((n, r) => n + r.lteIds.size + r.gteIds.size, 0);
    this.#guard = new PageGuard(stream.name, boundaryIds + pageSize * (1 + this.#ranges.length));
  }

  /** Sets the lowest second splits aim at; objects below it are still read. */
  set floor(seconds: number) {
    this.#floor = seconds;
  }

  get done(): boolean {
    if (this.#inFlight > 0) return false;
    return this.#unfiltered ? this.#unfiltered.done : this.#ranges.length === 0;
  }

  /** Newest second emitted by this pass (and the ids emitted there). */
  get highWater(): HighWater | undefined {
    if (this.#highWater === undefined) return undefined;
    return { created: this.#highWater, ids: this.#highWaterIds, complete: this.#highWaterRaised && this.#highWater < this.#settledBefore };
  }

  /** True for a pass over the whole list (a backfill) that has not read a page yet. */
  get readsEverything(): boolean {
    return !this.#unfiltered && this.#ranges.length === 1 && this.#ranges[0]!.lte === undefined && this.#ranges[0]!.gte === 0;
  }

  /** The WARN lines this pass has to say since the last call (at most one per pass). */
  takeWarnings(): string[] {
    return this.#warnings.splice(0);
  }

  /** @throws PagingError when the request would ask for a page asked for before. */
  next(): ListRequest | undefined {
    const request = this.#unfiltered ? this.#unfiltered.next() : this.#nextRange();
    if (request) this.#inFlight++;
    return request;
  }

  #nextRange(): RangeRequest | undefined {
    const range = this.#ranges.find((r) => !r.inFlight);
    if (!range) return undefined;
    const query: Record<string, string | number> = { ...this.#stream.fixedParams, limit: this.#pageSize };
    const askedGte = range.gte > 0 ? range.gte : undefined;
    if (askedGte !== undefined) query['created[gte]'] = askedGte;
    if (range.lte !== undefined) query['created[lte]'] = range.lte;
    if (range.after !== undefined) query.starting_after = range.after;
    this.#guard.ask(`${askedGte ?? ''}|${range.lte ?? ''}|${range.after ?? ''}|${range.restarts}`, this.#stream.path, query);
    range.inFlight = true;
    return { kind: 'list', mode: 'range', path: this.#stream.path, query: query as Query, range, askedGte, askedLte: range.lte };
  }

  /**
   * Splits the range with the most left to read in `ways` parts, if it is expected to hold a page and
   * a quarter or more below the page it has in flight (split-plan.ts): it keeps the newest part, new
   * ranges take the older ones. Returns whether it split.
   *
   * @param ways ranges to make of it (≥ 2; fewer when it holds less than a page per part): a
   *   backfill's first page is enough to plan all the ranges the request rate can keep busy at once,
   *   of about the same size, so that they end at about the same time.
   *
   * Only a range that has read a page is split, and a new range in turn once it has read one. Each
   * part but the oldest holds whole pages less a margin, so the split costs no request beyond those
   * of the range alone, as far as the density holds. A page in flight that runs into an older part
   * reads objects that range reads again; the estimate of where that page ends keeps it rare (issue
   * 13: 13 ranges and 223 requests for 215 pages, splitting in two every range that had more).
   */
  split(ways = 2): boolean {
    if (this.#unfiltered) return false;
    const best = largest(this.#estimates(), this.#pageSize);
    if (!best) return false;
    this.#splitRange(best, partsOf(best, ways, this.#pageSize));
    return true;
  }

  /**
   * Near the end of the pass, splits in two the range that would read its last pages alone, a
   * round trip each, when that saves request slots (split-plan.ts `nearEndSplit`). Returns whether
   * it split.
   * @param busy requests the rate limit keeps in flight.
   */
  splitNearEnd(busy: number): boolean {
    if (this.#unfiltered) return false;
    const best = nearEndSplit(this.#estimates(), busy, this.#pageSize);
    if (!best) return false;
    this.#splitRange(best, 2);
    return true;
  }

  #estimates(): Array<Estimate<Range> | undefined> {
    return this.#ranges.map((range) => estimate(range, this.#floor, this.#pageSize));
  }

  /** Splits the range of `best` in `parts` parts: it keeps the newest, new ranges take the others. */
  #splitRange(best: Estimate<Range>, parts: number): void {
    const { range } = best;
    // Lowest second of each part but the oldest, newest first.
    const bounds = partBounds(best, parts, this.#pageSize);
    const older: Range[] = bounds.map((upper, i) => ({
      gte: bounds[i + 1] ?? range.gte, lte: upper - 1, lteIds: new Set(), after: undefined, restarts: 0, inFlight: false, read: 0, readTop: undefined, recent: [],
      // The oldest part keeps the range's lower bound, and the ids emitted there before.
      gteIds: i === bounds.length - 1 ? range.gteIds : new Set(),
    }));
    range.gte = bounds[0]!;
    range.gteIds = new Set();
    this.#ranges.splice(this.#ranges.indexOf(range) + 1, 0, ...older);
    // The page in flight for the newest part may run into the next one: those objects are not emitted.
    this.#guard.allow(this.#pageSize);
  }

  /**
   * The objects of `page` to emit, in list order.
   * @throws PagingError when the server sends more than the list can hold, or (read unfiltered) a
   *   list that is not newest first.
   */
  handle(request: ListRequest, page: ListPage): StripeObject[] {
    this.#inFlight--;
    if (request.mode === 'unfiltered') return this.#emitted(this.#unfiltered!.handle(request, page));
    const range = request.range;
    range.inFlight = false;
    // Asked for before the server showed it ignores the filter: the unfiltered read covers it.
    if (this.#unfiltered) return [];
    const ignored = this.#outsideRange(request, page);
    if (ignored) {
      this.#fallBack(request, ignored);
      return [];
    }
    const out: StripeObject[] = [];
    let finished = !page.has_more || page.data.length === 0;
    let read = 0;
    let top: number | undefined;
    for (const object of page.data) {
      const id = String(object.id);
      const created = Number(object.created);
      // Below the range: it was split while this page was in flight, and the older range has these.
      if (created < range.gte) {
        finished = true;
        break;
      }
      const emittedBefore = (created === range.lte && range.lteIds.has(id)) || (created === range.gte && range.gteIds.has(id));
      if (created !== range.lte) {
        range.lte = created;
        range.lteIds = new Set();
      }
      range.lteIds.add(id);
      range.after = id;
      top ??= created;
      read++;
      if (!emittedBefore) out.push(object);
    }
    if (top !== undefined) {
      range.recent = [...range.recent.slice(Math.max(0, range.recent.length - RECENT_PAGES + 1)), { objects: read, top }];
      range.read = range.recent.reduce((sum, p) => sum + p.objects, 0);
      range.readTop = range.recent[0]!.top;
    }
    if (finished) this.#ranges.splice(this.#ranges.indexOf(range), 1);
    this.#guard.count(page.data.length, out.length, request.path, request.query);
    return this.#emitted(out);
  }

  recover(request: ListRequest): boolean {
    if (request.mode === 'unfiltered') {
      if (!this.#unfiltered!.recover()) return false;
      this.#inFlight--;
      return true;
    }
    const range = request.range;
    // A page asked for before the unfiltered read took over: nothing to plan again.
    if (this.#unfiltered || range.after === undefined) {
      if (!this.#unfiltered) return false;
      range.inFlight = false;
      this.#inFlight--;
      return true;
    }
    // The object of `starting_after` was deleted: go on by `created[lte]`, skipping the ids emitted there.
    range.after = undefined;
    range.restarts++;
    range.inFlight = false;
    this.#inFlight--;
    this.#guard.allow(this.#pageSize + range.lteIds.size);
    return true;
  }

  state(): PassState {
    const highWater = this.#highWater !== undefined ? { high_water: this.#highWater, high_water_ids: [...this.#highWaterIds] } : {};
    if (this.#unfiltered) return { ...highWater, ...this.#unfiltered.state() };
    return {
      ...highWater,
      todo: this.#ranges.map((r) => ({ ...todoOf(r), ...(r.after !== undefined ? { after: r.after } : {}) })),
    };
  }

  /** The first object of `page` outside the `created` range `request` asked for, described; undefined when none is. */
  #outsideRange(request: RangeRequest, page: ListPage): string | undefined {
    let newest = request.askedLte;
    for (const object of page.data) {
      const created = Number(object.created);
      // Within one page the list must go down too: a newer object after an older one is just as wrong.
      if (!Number.isFinite(created) || (newest !== undefined && created > newest) || (request.askedGte !== undefined && created < request.askedGte)) {
        return `it sent ${String(object.id)} (created ${String(object.created)}) for ${describeRequest(request.path, request.query)}`;
      }
      newest = created;
    }
    return undefined;
  }

  /** Freezes what the ranges still have to read and reads it unfiltered from now on. */
  #fallBack(request: RangeRequest, what: string): void {
    this.#unfiltered = new UnfilteredRead(this.#stream, this.#pageSize, this.#ranges.map(frozen));
    this.#warnings.push(
      `stream ${this.#stream.name}: the server ignores the created filter of ${request.path} (${what}); ` +
        'reading the rest of this pass page by page with starting_after, without created ranges. Stripe itself honours the filter: check base_url.',
    );
  }

  /** Notes the objects about to be emitted in the high water. */
  #emitted(objects: StripeObject[]): StripeObject[] {
    for (const object of objects) {
      const id = String(object.id);
      const created = Number(object.created);
      if (this.#highWater === undefined || created > this.#highWater) {
        this.#highWater = created;
        this.#highWaterIds = [id];
        this.#highWaterRaised = true;
      } else if (created === this.#highWater) {
        remember(this.#highWaterIds, id);
      }
    }
    return objects;
  }
}
