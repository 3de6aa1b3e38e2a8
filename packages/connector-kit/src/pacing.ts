/**
 * The one request pacer of every connector, on `bottleneck` (https://github.com/SGrondin/bottleneck):
 * a request rate and a cap on requests in flight, shared by everything that sends through the same
 * pacer (all the streams of a read, say), first come first served.
 *
 * APIs state their limits as a rate (Stripe: 25 reads/s in test mode, 100 in live mode,
 * https://docs.stripe.com/rate-limits; Google Sheets: 60 requests per minute per user,
 * https://developers.google.com/sheets/api/limits). A client sending at that rate, evenly spaced,
 * never meets a 429; bursts above it do. So by default requests leave `1/rate` apart (bottleneck's
 * `minTime`). An API whose quota is counted over a window may allow a burst: `burst` requests back
 * to back after an idle spell, then the rate (a token bucket: bottleneck's reservoir, refilled as
 * time passes up to `burst`).
 */
import Bottleneck from 'bottleneck';

export interface PacingOptions {
  /** Requests started per second, on average; > 0. `Infinity`: no pacing. */
  requestsPerSecond: number;
  /** Requests in flight at once (a request waiting for its turn holds none); ≥ 1. Default: no cap. */
  maxConcurrent?: number;
  /**
   * Requests that may start back to back after an idle spell (a token bucket's capacity); ≥ 1.
   * Default 1: every request `1/rate` after the one before.
   */
  burst?: number;
}

export interface Pacer {
  /** Runs `request` once the rate and the cap allow it; resolves or rejects as `request` does. */
  run<T>(request: () => Promise<T>): Promise<T>;
  /**
   * Stops the pacer: requests not started yet reject. With a burst, this also stops its refill timer
   * (which never keeps the process alive on its own).
   */
  stop(): Promise<void>;
}

/**
 * The reservoir's refill for a rate: whole tokens (`amount`, about a second's worth, at most `burst`)
 * every `intervalMs`, exact on average. Bottleneck adds them on its heartbeat, a timer that checks
 * every `heartbeatMs` whether a refill is due: four beats per refill keep the rate within a fifth of
 * the target at worst, and most refills a second apart keep the timer at bottleneck's 250 ms.
 */
function refill(requestsPerSecond: number, burst: number): { amount: number; intervalMs: number; heartbeatMs: number } {
  const amount = Math.max(1, Math.min(burst, Math.round(requestsPerSecond)));
  const intervalMs = (amount * 1000) / requestsPerSecond;
  return { amount, intervalMs, heartbeatMs: Math.max(10, Math.min(250, intervalMs / 4)) };
}

/**
 * Makes a pacer.
 * @throws Error when `requestsPerSecond` is not > 0, or `maxConcurrent` or `burst` is below 1.
 */
export function createPacer(options: PacingOptions): Pacer {
  const { requestsPerSecond: rate, maxConcurrent, burst = 1 } = options;
  if (!(rate > 0)) throw new Error(`a pacer's rate must be > 0 requests/s, got ${rate}`);
  if (maxConcurrent !== undefined && !(maxConcurrent >= 1)) throw new Error(`a pacer's maxConcurrent must be ≥ 1, got ${maxConcurrent}`);
  if (!(burst >= 1)) throw new Error(`a pacer's burst must be ≥ 1, got ${burst}`);
  const paced = Number.isFinite(rate);
  const capacity = Math.floor(burst);
  let settings: Bottleneck.ConstructorOptions & { heartbeatInterval?: number } = { maxConcurrent: maxConcurrent ?? null };
  if (paced && capacity === 1) settings = { ...settings, minTime: 1000 / rate };
  if (paced && capacity > 1) {
    const { amount, intervalMs, heartbeatMs } = refill(rate, capacity);
    settings = {
      ...settings,
      reservoir: capacity,
      reservoirIncreaseAmount: amount,
      reservoirIncreaseInterval: intervalMs,
      reservoirIncreaseMaximum: capacity,
      // Not in bottleneck's types, but an option of its local store (default 250 ms).
      heartbeatInterval: heartbeatMs,
    };
  }
  const limiter = new Bottleneck(settings);
  return {
    // The result goes beside bottleneck's job, not through it: its queue keeps links to finished jobs,
    // and a result they reach (a parsed page) lives on into the old generation (issue 13: about 20 MB
    // more peak RSS in a source reading pages as fast as it can).
    async run<T>(request: () => Promise<T>): Promise<T> {
      const answer: { value?: T } = {};
      await limiter.schedule(async () => {
        answer.value = await request();
      });
      const { value } = answer;
      answer.value = undefined;
      return value as T;
    },
    stop: () => limiter.stop({ dropWaitingJobs: true, dropErrorMessage: 'the pacer was stopped before this request could start' }),
  };
}
