/**
 * An input that also says when a deadline passes while it is silent: group commit (write.ts) must
 * commit its pending STATEs once the oldest has waited `commit_interval_ms`, whether or not the source
 * sends anything more.
 */

/** What `DeadlineInput.next` gives when the deadline passes before the next item. */
export const DEADLINE: unique symbol = Symbol('deadline');

/**
 * The items of `source`, each `next()` raced against a deadline. The `next()` of `source` in flight is
 * kept across a `DEADLINE`, never lost or called twice. With no deadline (write.ts sets none while no
 * STATE is pending, or with `commit_interval_ms` 0), `next` hands the source's own promise back, so
 * the messages read then pay nothing for the race.
 */
export class DeadlineInput<T> {
  readonly #iterator: AsyncIterator<T>;
  /** A `next()` of the source still in flight after a `DEADLINE`. */
  #next: Promise<IteratorResult<T>> | undefined;
  /** One timer, kept while the due time stays the same (thousands of `next()` share a deadline). */
  #due = Number.NaN;
  #timer: NodeJS.Timeout | undefined;
  #ring: (() => void) | undefined;

  constructor(source: AsyncIterable<T>) {
    this.#iterator = source[Symbol.asyncIterator]();
  }

  /**
   * The next item of the source, or `DEADLINE` when `due` (a `performance.now()` time in ms; undefined
   * for none) passes first, at once when it has passed already. Errors of the source are its own.
   * Call it again only once the previous call settled.
   */
  next(due: number | undefined): Promise<IteratorResult<T> | typeof DEADLINE> {
    if (due !== undefined && performance.now() >= due) return Promise.resolve(DEADLINE);
    const next = this.#next ?? this.#iterator.next();
    this.#next = undefined;
    if (due === undefined) {
      this.#stopTimer();
      return next;
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      this.#arm(due, () => {
        if (settled) return;
        settled = true;
        this.#next = next;
        resolve(DEADLINE);
      });
      next.then(
        (result) => {
          if (settled) return;
          settled = true;
          resolve(result);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          reject(error);
        },
      );
    });
  }

  /** Ends the source early (the write failed); with a `next()` in flight, without waiting for it. */
  async close(): Promise<void> {
    this.#stopTimer();
    const ended = Promise.resolve(this.#iterator.return?.()).catch(() => {});
    if (this.#next === undefined) await ended;
  }

  #arm(due: number, ring: () => void): void {
    this.#ring = ring;
    if (this.#timer !== undefined && due === this.#due) return;
    clearTimeout(this.#timer);
    this.#due = due;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#ring?.();
    }, Math.max(0, due - performance.now()));
  }

  #stopTimer(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#ring = undefined;
  }
}
