/**
 * A watchdog for a connector the engine is waiting on: armed while the engine waits, disarmed when
 * the connector does something, and calls `onIdle` once if it stays armed for `ms` milliseconds.
 * Timing out is the caller's business (record the failure, kill the connector).
 */
export class IdleTimer {
  readonly #ms: number;
  readonly #onIdle: () => void;
  #timer: NodeJS.Timeout | undefined;
  #fired = false;
  #stopped = false;

  /**
   * @param ms how long the connector may stay silent, in ms; 0 or Infinity: never time out.
   * @param onIdle called at most once, when the timer runs out while armed.
   */
  constructor(ms: number, onIdle: () => void) {
    this.#ms = ms;
    this.#onIdle = onIdle;
  }

  /** True once `onIdle` has been called. */
  get fired(): boolean {
    return this.#fired;
  }

  /** Starts counting from now (again, if already armed). */
  arm(): void {
    this.disarm();
    if (this.#stopped || this.#fired || !(this.#ms > 0 && Number.isFinite(this.#ms))) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#fired = true;
      this.#onIdle();
    }, this.#ms);
  }

  /** Counts again from now if armed: the connector just did something while the engine waits on it. */
  touch(): void {
    if (this.#timer) this.arm();
  }

  /** Stops counting until the next `arm`. */
  disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Stops for good: later `arm` calls do nothing. */
  stop(): void {
    this.disarm();
    this.#stopped = true;
  }
}
