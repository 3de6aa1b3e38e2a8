/**
 * The one retry loop of every connector, on `p-retry` (https://github.com/sindresorhus/p-retry):
 * exponential backoff with jitter, a bounded number of attempts, an optional deadline over the whole
 * loop, an abort signal, and the server's `Retry-After` (RFC 9110 §10.2.3) honoured whenever a
 * failure carries one. What is worth another attempt is the connector's call: a `RetryPolicy` looks
 * at each failure and says whether to try again, and how long the server asked it to wait.
 */
import pRetry, { AbortError } from 'p-retry';

/** A failed attempt, as a policy sees it. */
export interface FailedAttempt {
  /** What the attempt threw. */
  error: unknown;
  /** The attempt that failed, from 1. */
  attempt: number;
}

/**
 * What a policy decides about a failed attempt:
 * - `{ retry: true }`: try again after the backoff, and not sooner than `retryAfterMs` when the
 *   server said how long to wait (its `Retry-After`, in ms: see `parseRetryAfter`);
 * - `{ retry: false }`: stop now and throw `error`, or the failure itself when there is none.
 */
export type RetryDecision = { retry: true; retryAfterMs?: number } | { retry: false; error?: Error };

/**
 * A connector's rule for its failures: whether each is worth another attempt and how long the
 * server asked to wait. It must not throw; to stop with another error, return `{ retry: false, error }`.
 */
export type RetryPolicy = (failed: FailedAttempt) => RetryDecision;

/** How long and how often to retry; every field has a default but the policy. */
export interface RetryOptions {
  /** Decides, for each failure, whether to try again. */
  policy: RetryPolicy;
  /** Attempts in all, the first included; ≥ 1. Default 5. */
  maxAttempts?: number;
  /**
   * The backoff before retry `n` (from 1) is `baseDelayMs · 2^(n−1) · r`, `r` drawn uniformly from
   * [1, 2) (p-retry's `randomize`), in ms. Default 500.
   */
  baseDelayMs?: number;
  /** Longest backoff, in ms. Default 30 000. */
  maxDelayMs?: number;
  /**
   * Longest wait a `Retry-After` obtains, in ms: a server asking for more gets this, then another
   * attempt. Default `maxDelayMs`.
   */
  maxRetryAfterMs?: number;
  /**
   * Time the whole loop may take, from the first attempt, in ms: no retry starts after it, and a
   * `Retry-After` that reaches past it ends the loop at once (an attempt under way is not cut short).
   * Default: none.
   */
  deadlineMs?: number;
  /** Stops the loop: a wait is cut short and the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Told before each wait (to log it): the attempt that failed, the wait in ms, the failure. */
  onRetry?: (retry: { attempt: number; delayMs: number; error: unknown }) => void;
  /**
   * The error to throw when attempts or the deadline run out on a failure the policy would retry
   * (a `transient_error` that says what kept failing, say). Default: that failure itself.
   */
  giveUp?: (failed: FailedAttempt) => Error;
}

/**
 * Parses a `Retry-After` header (RFC 9110 §10.2.3, https://www.rfc-editor.org/rfc/rfc9110#field.retry-after:
 * a number of seconds or an HTTP date) into ms from `now` (ms since the epoch).
 * @returns undefined when the header is absent or unreadable; 0 for a date already past.
 */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** A failure the policy would retry, carried through p-retry (which wants an Error) to the loop's end. */
class RetryableFailure extends Error {
  readonly failed: FailedAttempt;
  readonly retryAfterMs: number | undefined;
  constructor(failed: FailedAttempt, retryAfterMs: number | undefined) {
    super('retryable failure');
    this.failed = failed;
    this.retryAfterMs = retryAfterMs;
  }
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value), { cause: value });
}

/** Waits `ms`; rejects with the signal's reason when it is aborted first. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Calls `attempt` (with its number, from 1) until it resolves. After each failure the policy decides:
 * retried failures wait the backoff, or what the server's `Retry-After` asks when that is longer (up
 * to `maxRetryAfterMs`).
 *
 * @throws what the policy says when it stops; `giveUp`'s error (default: the last failure) when
 *   `maxAttempts` or `deadlineMs` run out; the signal's reason once it is aborted.
 */
export async function withRetry<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const maxDelayMs = options.maxDelayMs ?? 30_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? maxDelayMs;
  const started = performance.now();
  try {
    return await pRetry(
      async (attemptNumber) => {
        try {
          return await attempt(attemptNumber);
        } catch (error) {
          const failed = { error, attempt: attemptNumber };
          let decision: RetryDecision;
          try {
            decision = options.policy(failed);
          } catch (policyError) {
            throw new AbortError(asError(policyError));
          }
          if (!decision.retry) throw new AbortError(decision.error ?? asError(error));
          throw new RetryableFailure(failed, decision.retryAfterMs);
        }
      },
      {
        retries: maxAttempts - 1,
        factor: 2,
        minTimeout: options.baseDelayMs ?? 500,
        maxTimeout: maxDelayMs,
        randomize: true,
        ...(options.deadlineMs !== undefined ? { maxRetryTime: options.deadlineMs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        // Called only when another attempt will be made; p-retry then waits `retryDelay` (the backoff).
        shouldRetry: async ({ error, retryDelay }) => {
          if (!(error instanceof RetryableFailure)) return false;
          const asked = Math.min(error.retryAfterMs ?? 0, maxRetryAfterMs);
          const left = options.deadlineMs === undefined ? Number.POSITIVE_INFINITY : options.deadlineMs - (performance.now() - started);
          // The server asks for a wait past the deadline: no attempt could be made in time.
          if (asked > left) return false;
          options.onRetry?.({ attempt: error.failed.attempt, delayMs: Math.max(retryDelay, asked), error: error.failed.error });
          await pause(asked - retryDelay, options.signal);
          return true;
        },
      },
    );
  } catch (error) {
    if (!(error instanceof RetryableFailure)) throw error;
    if (options.giveUp) throw options.giveUp(error.failed);
    throw error.failed.error;
  }
}
