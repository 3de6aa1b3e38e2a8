/**
 * A pass over a list without a `created` filter (country specs, exchange rates, …): one page after
 * the other from the top, with `starting_after` (https://docs.stripe.com/api/pagination). Its state
 * is the last object emitted (state.ts `pass.after`).
 */
import type { ListPage, StripeObject } from './client.ts';
import { PageGuard } from './page-guard.ts';
import type { PageRequest, PageSource } from './page-request.ts';
import type { PassState } from './state.ts';
import type { StreamDefinition } from './streams.ts';

export interface SequentialRequest extends PageRequest {
  readonly after: string | undefined;
}

/** A pass over a list without a `created` filter: one page after the other. */
export class SequentialPass implements PageSource<SequentialRequest> {
  readonly #stream: StreamDefinition;
  readonly #pageSize: number;
  /** Objects are never skipped here, so nothing may be wasted; only repeated pages are refused. */
  readonly #guard: PageGuard;
  #after: string | undefined;
  #restarts = 0;
  #inFlight = false;
  #done = false;

  constructor(stream: StreamDefinition, pageSize: number, after?: string) {
    this.#stream = stream;
    this.#pageSize = pageSize;
    this.#after = after;
    this.#guard = new PageGuard(stream.name, Number.POSITIVE_INFINITY);
  }

  get done(): boolean {
    return this.#done;
  }

  /** @throws PagingError when this page was asked for before (the server ignores `starting_after`). */
  next(): SequentialRequest | undefined {
    if (this.#done || this.#inFlight) return undefined;
    const paging = this.#stream.paginated ? { limit: this.#pageSize, ...(this.#after ? { starting_after: this.#after } : {}) } : {};
    const query = { ...this.#stream.fixedParams, ...paging };
    this.#guard.ask(`${this.#restarts}|${this.#after ?? ''}`, this.#stream.path, query);
    this.#inFlight = true;
    return { kind: 'list', path: this.#stream.path, query, after: this.#after };
  }

  handle(_request: SequentialRequest, page: ListPage): StripeObject[] {
    this.#inFlight = false;
    const last = page.data.at(-1);
    if (last) this.#after = String(last.id);
    // A list without pagination (report types) is whole in one answer.
    this.#done = !page.has_more || page.data.length === 0 || !this.#stream.paginated;
    return page.data;
  }

  recover(request: SequentialRequest): boolean {
    // The object to start after was deleted: start over (what was emitted is emitted again).
    if (request.after === undefined) return false;
    this.#after = undefined;
    this.#restarts++;
    this.#inFlight = false;
    return true;
  }

  state(): PassState {
    return this.#done || this.#after === undefined ? {} : { after: this.#after };
  }
}
