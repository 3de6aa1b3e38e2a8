/** The emulator's rate limit, like Stripe's per-account limit (https://docs.stripe.com/rate-limits). */

/** A token bucket holding one second's worth of requests. */
export class ServerRateLimit {
  readonly #rate: number;
  #tokens: number;
  #last = performance.now();

  constructor(rate: number) {
    this.#rate = rate;
    this.#tokens = rate;
  }

  allow(): boolean {
    const now = performance.now();
    this.#tokens = Math.min(this.#rate, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
