/**
 * The progress guarantee of a list read: whatever the server answers, a read never asks for the same
 * page twice and never reads much more than the list holds. A server that breaks Stripe's paging
 * rules (https://docs.stripe.com/api/pagination: `starting_after` continues after that object,
 * filters are exact) in a way the source cannot work around ends the read with a `system_error`
 * naming the stream and the request, instead of a read that never ends.
 */
import { ConnectorError } from '@sync/connector-kit';
import type { Query } from './client.ts';

/** The server pages in a way the source cannot read exactly: a `system_error`. */
export class PagingError extends ConnectorError {
  constructor(stream: string, problem: string) {
    super(
      `stream ${stream}: ${problem}. The server does not page as Stripe does (https://docs.stripe.com/api/pagination); ` +
        'source-stripe stopped rather than read forever. Check base_url: Stripe itself does not do this.',
      { failureType: 'system_error', stream },
    );
    this.name = 'PagingError';
  }
}

/** `path?query` as a person reads it, for error messages. */
export function describeRequest(path: string, query: Query): string {
  const params = Object.entries(query).filter(([, value]) => value !== undefined);
  return `GET ${path}${params.length > 0 ? `?${params.map(([key, value]) => `${key}=${String(value)}`).join('&')}` : ''}`;
}

/**
 * Remembers the pages a read asked for and counts the objects it was sent but did not emit.
 *
 * Memory: one short key per page asked (tens of bytes), nothing per object.
 */
export class PageGuard {
  readonly #stream: string;
  readonly #asked = new Set<string>();
  #wasted = 0;
  #allowance: number;

  /** @param allowance objects the read may be sent without emitting them, to start with. */
  constructor(stream: string, allowance: number) {
    this.#stream = stream;
    this.#allowance = allowance;
  }

  /**
   * Notes a request about to be sent. `key` identifies the page (its parameters, and a count of the
   * restarts that may legitimately ask for a page again).
   * @throws PagingError when the same page was asked for before: the read would go round in circles.
   */
  ask(key: string, path: string, query: Query): void {
    if (this.#asked.has(key)) {
      throw new PagingError(this.#stream, `the read would ask for the same page twice (${describeRequest(path, query)}): the answers so far made no progress`);
    }
    this.#asked.add(key);
  }

  /** More objects the read may be sent without emitting them (a split, a restart after a vanished cursor). */
  allow(objects: number): void {
    this.#allowance += objects;
  }

  /**
   * Counts a page: `received` objects sent, `emitted` of them new.
   * @throws PagingError when the objects sent but not emitted exceed the allowance: the server is
   *   sending the same objects again and again.
   */
  count(received: number, emitted: number, path: string, query: Query): void {
    this.#wasted += received - emitted;
    if (this.#wasted > this.#allowance) {
      throw new PagingError(
        this.#stream,
        `the server sent ${this.#wasted} objects that the read had already emitted or had not asked for, more than the ${this.#allowance} ` +
          `its range splits and restarts can explain (last request ${describeRequest(path, query)})`,
      );
    }
  }
}
