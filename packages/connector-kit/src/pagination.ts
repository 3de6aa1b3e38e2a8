/**
 * Pagination strategies: how a stream gets from one page to the next, and when it has the last one.
 * The page position is part of the stream's state, so a read resumes on the page it stopped at.
 *
 * - cursor (Stripe's `starting_after`, GraphQL `after`): the API hands back the next cursor;
 * - page number (`?page=2&per_page=100`): pages count up from `firstPage`;
 * - offset (`?offset=200&limit=100`): the offset grows by the records received.
 * Page-number and offset pagination stop on a short page (fewer records than `limit`).
 */

/** Where the next page starts; stored in the stream's state between pages. */
export interface PagePosition {
  /** Cursor pagination: the API's cursor for this page (absent on the first). */
  cursor?: string;
  /** Page-number pagination: the page to fetch. */
  page?: number;
  /** Offset pagination: records to skip. */
  offset?: number;
}

export interface Pagination {
  readonly kind: 'cursor' | 'page' | 'offset';
  first(): PagePosition;
  /** The position after `current`, or undefined when it was the last page. */
  next(current: PagePosition, page: { records: number; nextCursor?: string | undefined; limit: number }): PagePosition | undefined;
}

export function cursorPagination(): Pagination {
  return {
    kind: 'cursor',
    first: () => ({}),
    next: (_current, page) => (page.nextCursor && page.records > 0 ? { cursor: page.nextCursor } : undefined),
  };
}

export function pageNumberPagination(options: { firstPage?: number } = {}): Pagination {
  const firstPage = options.firstPage ?? 1;
  return {
    kind: 'page',
    first: () => ({ page: firstPage }),
    next: (current, page) => (page.records < page.limit ? undefined : { page: (current.page ?? firstPage) + 1 }),
  };
}

export function offsetPagination(): Pagination {
  return {
    kind: 'offset',
    first: () => ({ offset: 0 }),
    next: (current, page) => (page.records < page.limit ? undefined : { offset: (current.offset ?? 0) + page.records }),
  };
}
