/** The emulator's rate limit, like Stripe's per-account limit (https://docs.stripe.com/rate-limits). */

/** A token bucket holding one second's worth of requests. */
export class ServerRateLimit {
  readonly #rate: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  /**
   * @param rate requests per second, and the bucket's size.
   * @param now a clock in ms (tests may pass their own).
   */
  constructor(rate: number, now: () => number = () => performance.now()) {
    this.#rate = rate;
    this.#now = now;
    this.#tokens = rate;
    this.#last = now();
  }

  /** Takes a token if there is one: whether the request may be answered. */
  allow(): boolean {
    const now = this.#now();
    this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
