/**
 * An input that also says when a deadline passes while it is silent: group commit (write.ts) must
 * commit its pending STATEs once the oldest has waited `commit_interval_ms`, whether or not the source
 * sends anything more.
 */

/** What `untilDeadline` yields when the deadline has passed. */
export const DEADLINE: unique symbol = Symbol('deadline');

/**
 * Yields the items of `source`, and `DEADLINE` whenever `dueAt()` (a `performance.now()` time in
 * milliseconds, or undefined for none) has passed: at once when it already has, else when it passes
 * before the next item arrives. The `next()` in flight is kept across a `DEADLINE`, never lost or
 * called twice. `dueAt` is read again after each yield. Errors of `source` are rethrown as they come.
 */
export async function* untilDeadline<T>(source: AsyncIterable<T>, dueAt: () => number | undefined): AsyncGenerator<T | typeof DEADLINE> {
  const iterator = source[Symbol.asyncIterator]();
  const alarm = new Alarm();
  let next: Promise<IteratorResult<T>> | undefined;
  let done = false;
  try {
    for (;;) {
      const due = dueAt();
      if (due !== undefined && performance.now() >= due) {
        yield DEADLINE;
        continue;
      }
      next ??= iterator.next();
      let result: IteratorResult<T> | typeof DEADLINE;
      if (due === undefined) {
        alarm.stop();
        result = await next;
      } else {
        const current = next;
        result = await new Promise<IteratorResult<T> | typeof DEADLINE>((resolve, reject) => {
          alarm.ring(due, resolve);
          current.then(resolve, reject);
        });
      }
      if (result === DEADLINE) {
        yield DEADLINE;
        continue;
      }
      next = undefined;
      if (result.done) {
        done = true;
        return;
      }
      yield result.value;
    }
  } finally {
    alarm.stop();
    // Stopped early (an error downstream): end the input. With a next() in flight, return() would
    // wait for it (an async generator queues calls), so it is not awaited then.
    if (!done) {
      const ended = Promise.resolve(iterator.return?.()).catch(() => {});
      if (next === undefined) await ended;
    }
  }
}

/**
 * One timer, kept while its due time stays the same: a message stream waits for thousands of
 * `next()` calls against one deadline, and should not arm a timer (or pile callbacks) for each.
 */
class Alarm {
  #due = Number.NaN;
  #timer: NodeJS.Timeout | undefined;
  #listener: ((value: typeof DEADLINE) => void) | undefined;

  /** Calls `listener` (the latest one given) with `DEADLINE` at `due`, a `performance.now()` time in ms. */
  ring(due: number, listener: (value: typeof DEADLINE) => void): void {
    this.#listener = listener;
    if (this.#timer !== undefined && due === this.#due) return;
    clearTimeout(this.#timer);
    this.#due = due;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#listener?.(DEADLINE);
    }, Math.max(0, due - performance.now()));
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#listener = undefined;
  }
}
