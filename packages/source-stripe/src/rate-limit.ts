/**
 * Request pacing: a token bucket for the request rate and a semaphore for requests in flight.
 *
 * Stripe limits reads per account: 25 requests/s in test mode, 100 in live mode
 * (https://docs.stripe.com/rate-limits). A client that sends at exactly that rate, evenly spaced,
 * never meets a 429; bursts do. So the bucket's default capacity is one token: requests leave at
 * most `rate` per second, spaced `1/rate` apart.
 */

/** A token bucket as a reservation clock (GCRA): `take()` resolves when the caller may send. */
export class TokenBucket {
  readonly #intervalMs: number;
  readonly #burstMs: number;
  readonly #now: () => number;
  /** When the next token is due if the bucket were empty (theoretical arrival time), ms. */
  #tat = 0;

  /**
   * @param ratePerSecond tokens added per second; > 0.
   * @param capacity tokens the bucket holds when idle (the largest burst); ≥ 1.
   */
  constructor(ratePerSecond: number, capacity = 1, now: () => number = () => performance.now()) {
    if (!(ratePerSecond > 0)) throw new Error(`rate must be > 0 requests/s, got ${ratePerSecond}`);
    this.#intervalMs = 1000 / ratePerSecond;
    this.#burstMs = (Math.max(1, capacity) - 1) * this.#intervalMs;
    this.#now = now;
  }

  /** Reserves one token; resolves when it is due. Callers are served in the order they call. */
  take(): Promise<void> {
    const now = this.#now();
    const tat = Math.max(this.#tat, now);
    const due = tat - this.#burstMs;
    this.#tat = tat + this.#intervalMs;
    const wait = due - now;
    return wait > 0 ? new Promise((resolve) => setTimeout(resolve, wait)) : Promise.resolve();
  }
}

/** Counts permits; `acquire()` waits for one, first come first served. */
export class Semaphore {
  #available: number;
  readonly #waiting: Array<() => void> = [];

  constructor(permits: number) {
    this.#available = permits;
  }

  acquire(): Promise<void> {
    if (this.#available > 0) {
      this.#available--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#available++;
  }
}
