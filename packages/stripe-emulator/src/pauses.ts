/**
 * The emulator's waits (latency, a fault's delay, a stalled body's second half), kept so that
 * closing the emulator ends them at once instead of leaving timers behind.
 */
export class Pauses {
  readonly #pending = new Map<NodeJS.Timeout, (elapsed: boolean) => void>();

  /** Resolves with true after `ms` milliseconds, or with false as soon as `cancelAll()` is called. */
  wait(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(timer);
        resolve(true);
      }, ms);
      this.#pending.set(timer, resolve);
    });
  }

  /** Ends every wait still pending; each resolves with false. */
  cancelAll(): void {
    for (const [timer, resolve] of this.#pending) {
      clearTimeout(timer);
      resolve(false);
    }
    this.#pending.clear();
  }
}
