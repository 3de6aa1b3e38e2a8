/**
 * The rest of a list pass, read without the `created` filter: what a `SplitPass` (list-pass.ts) falls
 * back to when the server shows that it ignores `created[gte]` / `created[lte]` (an object outside
 * the range asked for). It pages down the whole list from the top with `starting_after` only, one
 * page at a time, and emits the objects that fall in the ranges the pass still had to read (its
 * `todo`, frozen when it fell back), skipping the rest, which the pass emitted already or which lie
 * outside it. So the pass still ends exact: every object once.
 *
 * It relies on the order Stripe documents, newest first by `created`
 * (https://docs.stripe.com/api/pagination); within one second any order that stays the same from
 * one request to the next will do. It checks that order as it reads: an object newer than the one
 * before it, or one listed twice within its second, is a PagingError. Once an object is older than
 * every range left, the rest of the list is too, and the read ends.
 *
 * Its progress is `after` (the last object it read) next to the frozen `todo` (state.ts): a resumed
 * read goes on after that object.
 */
import type { ListPage, StripeObject } from './client.ts';
import { PageGuard, PagingError, describeRequest } from './page-guard.ts';
import type { PageRequest } from './page-request.ts';
import { MAX_BOUNDARY_IDS, type TodoRange } from './state.ts';
import type { StreamDefinition } from './streams.ts';

/** A range the pass still had to read when it fell back (unix seconds, inclusive). */
export interface FrozenRange {
  gte: number;
  /** Undefined: no upper bound (the range had not read its first page). */
  lte: number | undefined;
  /** Objects of the `lte` second the pass emitted already. */
  lteIds: ReadonlySet<string>;
  /** Objects of the `gte` second an earlier pass emitted already. */
  gteIds: ReadonlySet<string>;
}

export interface UnfilteredRequest extends PageRequest {
  readonly mode: 'unfiltered';
}

/** The objects this read still has to skip after it restarted from the top: those it had read before. */
interface ReadBefore {
  created: number;
  ids: ReadonlySet<string>;
}

/**
 * A frozen range as state.ts `TodoRange` (boundary ids capped at MAX_BOUNDARY_IDS). Called after
 * every page, so it reads only the first ids of each set, never a copy of a crowded second.
 */
export function todoOf(range: FrozenRange): TodoRange {
  return {
    gte: range.gte,
    ...(range.lte !== undefined ? { lte: range.lte } : {}),
    ...(range.lteIds.size > 0 ? { lte_ids: firstIds(range.lteIds) } : {}),
    ...(range.gteIds.size > 0 ? { gte_ids: firstIds(range.gteIds) } : {}),
  };
}

/** The first MAX_BOUNDARY_IDS ids of `ids`, in insertion order. */
function firstIds(ids: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const id of ids) {
    if (out.length === MAX_BOUNDARY_IDS) break;
    out.push(id);
  }
  return out;
}

/** The rest of a pass, read by `starting_after` alone. */
export class UnfilteredRead {
  readonly #stream: StreamDefinition;
  readonly #pageSize: number;
  readonly #todo: readonly FrozenRange[];
  /** Older than every range: where the read may stop (0: it reads to the end of the list). */
  readonly #oldest: number;
  readonly #guard: PageGuard;
  #after: string | undefined;
  #restarts = 0;
  #inFlight = false;
  #done: boolean;
  /** `created` of the last object read, and the ids read in that second: the order check. */
  #second: number | undefined;
  #secondIds = new Set<string>();
  #readBefore: ReadBefore | undefined;

  /** @param after the last object an earlier run of this read got to (a resumed read). */
  constructor(stream: StreamDefinition, pageSize: number, todo: readonly FrozenRange[], after?: string) {
    this.#stream = stream;
    this.#pageSize = pageSize;
    this.#todo = todo;
    this.#oldest = Math.min(...todo.map((r) => r.gte));
    this.#after = after;
    this.#done = todo.length === 0;
    // Objects outside the ranges are skipped, not emitted: the whole list may be skipped once.
    this.#guard = new PageGuard(stream.name, Number.POSITIVE_INFINITY);
  }

  get done(): boolean {
    return this.#done && !this.#inFlight;
  }

  next(): UnfilteredRequest | undefined {
    if (this.#done || this.#inFlight) return undefined;
    const query = { ...this.#stream.fixedParams, limit: this.#pageSize, ...(this.#after !== undefined ? { starting_after: this.#after } : {}) };
    this.#guard.ask(`${this.#restarts}|${this.#after ?? ''}`, this.#stream.path, query);
    this.#inFlight = true;
    return { kind: 'list', mode: 'unfiltered', path: this.#stream.path, query };
  }

  /**
   * The objects of `page` that the pass still had to emit, in list order.
   * @throws PagingError when the list is not newest first or repeats an object.
   */
  handle(request: UnfilteredRequest, page: ListPage): StripeObject[] {
    this.#inFlight = false;
    const out: StripeObject[] = [];
    for (const object of page.data) {
      const id = String(object.id);
      const created = Number(object.created);
      if (this.#second !== undefined && !(created <= this.#second)) {
        throw new PagingError(this.#stream.name, `the list is not newest first: ${id} (created ${created}) came after an object created ${this.#second} (${describeRequest(request.path, request.query)})`);
      }
      if (created !== this.#second) {
        this.#second = created;
        this.#secondIds = new Set();
      }
      if (this.#secondIds.has(id)) throw new PagingError(this.#stream.name, `${id} was listed twice (${describeRequest(request.path, request.query)})`);
      this.#secondIds.add(id);
      this.#after = id;
      if (this.#oldest > 0 && created < this.#oldest) {
        this.#done = true;
        return out;
      }
      if (this.#readBefore) {
        if (created > this.#readBefore.created || (created === this.#readBefore.created && this.#readBefore.ids.has(id))) continue;
        this.#readBefore = undefined;
      }
      if (this.#wanted(id, created)) out.push(object);
    }
    if (!page.has_more || page.data.length === 0) this.#done = true;
    return out;
  }

  /**
   * The object to start after was deleted: read again from the top, skipping what this read had
   * read already (everything newer than its last second, and the ids of that second).
   */
  recover(): boolean {
    if (this.#after === undefined) return false;
    if (this.#second !== undefined) this.#readBefore = { created: this.#second, ids: this.#secondIds };
    this.#after = undefined;
    this.#second = undefined;
    this.#secondIds = new Set();
    this.#restarts++;
    this.#inFlight = false;
    return true;
  }

  /** The frozen ranges and how far this read got: state.ts `PassState` `todo` and `after`. */
  state(): { todo: TodoRange[]; after?: string } {
    return { todo: this.#todo.map(todoOf), ...(this.#after !== undefined ? { after: this.#after } : {}) };
  }

  /** Whether the pass still had to emit this object: in a range, and not a boundary object emitted already. */
  #wanted(id: string, created: number): boolean {
    return this.#todo.some((r) => {
      if (created < r.gte || (r.lte !== undefined && created > r.lte)) return false;
      return !(created === r.lte && r.lteIds.has(id)) && !(created === r.gte && r.gteIds.has(id));
    });
  }
}
