/**
 * A list pass: one read down a stream's list, newest first (Stripe lists `created` descending,
 * https://docs.stripe.com/api/pagination).
 *
 * `SplitPass`, for lists with a `created` filter, reads the pass's range as several `created`
 * ranges at once. It starts with one range; when a range's page says more remains (`has_more`) and
 * a request slot is free, the range is split at the midpoint of what it has left: it keeps the
 * newer half and the older half becomes a new range, read in parallel. Each range pages with
 * `starting_after`; a range's progress is "everything from its top down to the last object
 * emitted", so what remains is always a list of ranges (state.ts `todo`), whatever order pages
 * complete in.
 *
 * `SequentialPass`, for lists without a `created` filter, pages from the top with `starting_after`.
 */
import type { ListPage, Query, StripeObject } from './client.ts';
import type { PageRequest, PageSource } from './page-request.ts';
import { remember, type PassState, type TodoRange } from './state.ts';
import type { StreamDefinition } from './streams.ts';

/** 2011-01-01: no Stripe object is older; splits aim above it (ranges still start at 0). */
export const STRIPE_EPOCH = 1_293_840_000;

interface Range {
  gte: number;
  lte: number | undefined;
  /** Ids emitted at `lte` (the second of the last object emitted, or the resumed boundary). */
  lteIds: string[];
  /** Ids emitted at `gte` by an earlier pass: skipped. */
  gteIds: ReadonlySet<string>;
  /** The last object emitted (or skipped) by this range in this run: the next page starts after it. */
  after: string | undefined;
  inFlight: boolean;
  /** A page of this range said more remains: worth splitting. */
  seenMore: boolean;
}

export interface RangeRequest extends PageRequest {
  readonly range: Range;
}

function objectId(object: StripeObject): string {
  return String(object.id);
}

function createdOf(object: StripeObject): number {
  return Number(object.created);
}

/** A pass over `created` ranges read in parallel. */
export class SplitPass implements PageSource<RangeRequest> {
  readonly #stream: StreamDefinition;
  readonly #pageSize: number;
  /** Lowest second worth aiming a split at (the account's creation, else STRIPE_EPOCH). */
  #floor: number;
  /** Newest first by `gte`. */
  readonly #ranges: Range[];
  #highWater: number | undefined;
  #highWaterIds: string[];

  /**
   * @param start the saved pass to resume, or the range of a new pass (`gte`, with the ids
   *   already emitted at `gte`).
   */
  constructor(stream: StreamDefinition, pageSize: number, start: { resume: PassState } | { gte: number; gteIds?: readonly string[] }, floor = STRIPE_EPOCH) {
    this.#stream = stream;
    this.#pageSize = pageSize;
    this.#floor = floor;
    if ('resume' in start) {
      this.#ranges = (start.resume.todo ?? []).map((r: TodoRange) => ({
        gte: r.gte, lte: r.lte, lteIds: [...(r.lte_ids ?? [])], gteIds: new Set(r.gte_ids), after: undefined, inFlight: false, seenMore: false,
      }));
      this.#highWater = start.resume.high_water;
      this.#highWaterIds = [...(start.resume.high_water_ids ?? [])];
    } else {
      this.#ranges = [{ gte: start.gte, lte: undefined, lteIds: [], gteIds: new Set(start.gteIds), after: undefined, inFlight: false, seenMore: false }];
      this.#highWater = undefined;
      this.#highWaterIds = [];
    }
  }

  /** Sets the lowest second splits aim at; objects below it are still read. */
  set floor(seconds: number) {
    this.#floor = seconds;
  }

  get done(): boolean {
    return this.#ranges.length === 0;
  }

  /** Newest second emitted by this pass (and the ids emitted there). */
  get highWater(): { created: number; ids: readonly string[] } | undefined {
    return this.#highWater === undefined ? undefined : { created: this.#highWater, ids: this.#highWaterIds };
  }

  /** True for a pass over the whole list (a backfill) that has not read a page yet. */
  get readsEverything(): boolean {
    return this.#ranges.length === 1 && this.#ranges[0]!.lte === undefined && this.#ranges[0]!.gte === 0;
  }

  next(): RangeRequest | undefined {
    const range = this.#ranges.find((r) => !r.inFlight);
    if (!range) return undefined;
    range.inFlight = true;
    const query: Record<string, string | number> = { ...this.#stream.fixedParams, limit: this.#pageSize };
    if (range.gte > 0) query['created[gte]'] = range.gte;
    if (range.lte !== undefined) query['created[lte]'] = range.lte;
    if (range.after !== undefined) query.starting_after = range.after;
    return { kind: 'list', path: this.#stream.path, query: query as Query, range };
  }

  /**
   * Splits the range with the most left to read, if one has shown it has more: it keeps its newer
   * half, a new range takes the older half. Returns whether it split.
   */
  split(): boolean {
    let best: { range: Range; lo: number; span: number } | undefined;
    for (const range of this.#ranges) {
      if (!range.seenMore || range.lte === undefined) continue;
      const lo = range.gte < this.#floor && this.#floor < range.lte ? this.#floor : range.gte;
      const span = range.lte - lo;
      if (span >= 2 && (!best || span > best.span)) best = { range, lo, span };
    }
    if (!best) return false;
    const { range, lo, span } = best;
    const mid = lo + Math.ceil(span / 2);
    const older: Range = { gte: range.gte, lte: mid - 1, lteIds: [], gteIds: range.gteIds, after: undefined, inFlight: false, seenMore: false };
    range.gte = mid;
    range.gteIds = new Set();
    // Split again only once a page shows that the narrower range still has more.
    range.seenMore = false;
    this.#ranges.splice(this.#ranges.indexOf(range) + 1, 0, older);
    return true;
  }

  handle(request: RangeRequest, page: ListPage): StripeObject[] {
    const range = request.range;
    range.inFlight = false;
    const out: StripeObject[] = [];
    let finished = !page.has_more || page.data.length === 0;
    for (const object of page.data) {
      const id = objectId(object);
      const created = createdOf(object);
      // Below the range: it was split while this page was in flight, and the older range has these.
      if (created < range.gte) {
        finished = true;
        break;
      }
      const emittedBefore = (created === range.lte && range.lteIds.includes(id)) || (created === range.gte && range.gteIds.has(id));
      if (created !== range.lte) {
        range.lte = created;
        range.lteIds = [];
      }
      remember(range.lteIds, id);
      range.after = id;
      if (emittedBefore) continue;
      out.push(object);
      if (this.#highWater === undefined || created > this.#highWater) {
        this.#highWater = created;
        this.#highWaterIds = [id];
      } else if (created === this.#highWater) {
        remember(this.#highWaterIds, id);
      }
    }
    if (page.has_more) range.seenMore = true;
    if (finished) this.#ranges.splice(this.#ranges.indexOf(range), 1);
    return out;
  }

  recover(request: RangeRequest): boolean {
    // The object of `starting_after` was deleted: go on by `created[lte]`, skipping the ids emitted there.
    if (request.range.after === undefined) return false;
    request.range.after = undefined;
    request.range.inFlight = false;
    return true;
  }

  state(): PassState {
    return {
      ...(this.#highWater !== undefined ? { high_water: this.#highWater, high_water_ids: [...this.#highWaterIds] } : {}),
      todo: this.#ranges.map((r) => ({
        gte: r.gte,
        ...(r.lte !== undefined ? { lte: r.lte } : {}),
        ...(r.lteIds.length > 0 ? { lte_ids: [...r.lteIds] } : {}),
        ...(r.gteIds.size > 0 ? { gte_ids: [...r.gteIds] } : {}),
      })),
    };
  }
}

export interface SequentialRequest extends PageRequest {
  readonly after: string | undefined;
}

/** A pass over a list without a `created` filter: one page after the other. */
export class SequentialPass implements PageSource<SequentialRequest> {
  readonly #stream: StreamDefinition;
  readonly #pageSize: number;
  #after: string | undefined;
  #inFlight = false;
  #done = false;

  constructor(stream: StreamDefinition, pageSize: number, after?: string) {
    this.#stream = stream;
    this.#pageSize = pageSize;
    this.#after = after;
  }

  get done(): boolean {
    return this.#done;
  }

  next(): SequentialRequest | undefined {
    if (this.#done || this.#inFlight) return undefined;
    this.#inFlight = true;
    const paging = this.#stream.paginated ? { limit: this.#pageSize, ...(this.#after ? { starting_after: this.#after } : {}) } : {};
    const query = { ...this.#stream.fixedParams, ...paging };
    return { kind: 'list', path: this.#stream.path, query, after: this.#after };
  }

  handle(_request: SequentialRequest, page: ListPage): StripeObject[] {
    this.#inFlight = false;
    const last = page.data.at(-1);
    if (last) this.#after = objectId(last);
    // A list without pagination (report types) is whole in one answer.
    this.#done = !page.has_more || page.data.length === 0 || !this.#stream.paginated;
    return page.data;
  }

  recover(request: SequentialRequest): boolean {
    // The object to start after was deleted: start over (what was emitted is emitted again).
    if (request.after === undefined) return false;
    this.#after = undefined;
    this.#inFlight = false;
    return true;
  }

  state(): PassState {
    return this.#done || this.#after === undefined ? {} : { after: this.#after };
  }
}
