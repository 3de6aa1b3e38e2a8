/** What a stream's reader asks the scheduler to fetch, and what it gets back. */
import type { ListPage, Query, StripeObject } from './client.ts';

export interface PageRequest {
  /** `list`: a page of the stream's objects; `events`: a page of events about them. */
  readonly kind: 'list' | 'events';
  readonly path: string;
  readonly query: Query;
}

/** A part of a stream's read that asks for pages and handles them (a list pass, an event walk). */
export interface PageSource<Request extends PageRequest = PageRequest> {
  /** A request to send now, or undefined: none is ready (waiting on pages in flight) or all is done. */
  next(): Request | undefined;
  /**
   * Takes the page of `request` (in any order relative to other requests of this source) and
   * returns the objects to emit, in order. After it returns, `state` covers those objects.
   */
  handle(request: Request, page: ListPage): StripeObject[];
  /** A request failed because the object its cursor names is gone; true when the source re-planned it. */
  recover(request: Request): boolean;
  /** Nothing in flight and nothing left. */
  readonly done: boolean;
}
