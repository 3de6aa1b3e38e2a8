/**
 * Retry with exponential backoff that honours the server's `Retry-After` (RFC 9110 §10.2.3: a number
 * of seconds or an HTTP date), as Stripe and most HTTP APIs ask of their clients.
 */

export interface RetryOptions {
  /** Attempts in all, the first included. Default 5. */
  maxAttempts?: number;
  /** Delay before the second attempt, in ms; doubles each time, with up to 50% jitter. Default 500. */
  baseDelayMs?: number;
  /** Longest delay between attempts, in ms, `Retry-After` included. Default 60 000. */
  maxDelayMs?: number;
  /** How to wait; tests pass one that records the delay instead. Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
}

/** An error worth another attempt; `retryAfterMs` is what the server asked for, if it did. */
export class RetryableError extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RetryableError';
    this.retryAfterMs = options.retryAfterMs;
  }
}

/**
 * Parses a `Retry-After` header into milliseconds from `now`.
 * @returns undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `attempt` until it resolves, retrying only `RetryableError`s, up to `maxAttempts`.
 *
 * @throws the last error when attempts run out, or at once any error that is not a RetryableError.
 */
export async function withRetry<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 5;
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 60_000;
  const sleep = options.sleep ?? timer;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!(error instanceof RetryableError) || n >= maxAttempts) throw error;
      const backoff = base * 2 ** (n - 1) * (1 + Math.random() * 0.5);
      await sleep(Math.min(max, error.retryAfterMs ?? backoff));
    }
  }
}
