/**
 * A watchdog for a connector the engine is waiting on: armed while the engine waits, disarmed when
 * the connector does something, and calls `onIdle` once if it stays armed for `ms` milliseconds.
 * Timing out is the caller's business (record the failure, kill the connector).
 */
export class IdleTimer {
  readonly #ms: number;
  readonly #onIdle: () => void;
  /**
   * One pending timeout at most, left running across arm/disarm: `arm` and `disarm` run once per
   * message on the hot path, so they only note the time, and the timeout checks it when it fires.
   */
  #timer: NodeJS.Timeout | undefined;
  /** When the current wait started (epoch ms), or undefined while disarmed. */
  #armedAt: number | undefined;
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
    if (this.#stopped || this.#fired || !(this.#ms > 0 && Number.isFinite(this.#ms))) return;
    this.#armedAt = Date.now();
    this.#timer ??= this.#schedule(this.#ms);
  }

  /** Counts again from now if armed: the connector just did something while the engine waits on it. */
  touch(): void {
    if (this.#armedAt !== undefined) this.arm();
  }

  /** Stops counting until the next `arm`. */
  disarm(): void {
    this.#armedAt = undefined;
  }

  /** Stops for good: later `arm` calls do nothing. */
  stop(): void {
    this.disarm();
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(ms: number): NodeJS.Timeout {
    return setTimeout(() => this.#check(), ms);
  }

  /** The timeout fired: idle for real, or re-armed since, or disarmed (then nothing is pending). */
  #check(): void {
    this.#timer = undefined;
    if (this.#armedAt === undefined || this.#stopped) return;
    const left = this.#armedAt + this.#ms - Date.now();
    if (left > 0) {
      this.#timer = this.#schedule(left);
      return;
    }
    this.#fired = true;
    this.#armedAt = undefined;
    this.#onIdle();
  }
}
