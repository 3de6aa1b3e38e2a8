/**
 * Retrying Sheets API calls: 429 (quota) and 5xx are retried with truncated exponential backoff and
 * jitter, as Google advises (https://developers.google.com/sheets/api/limits#exponential-backoff).
 */

export interface RetryOptions {
  maxRetries: number;
  /** First delay in ms; doubled each retry, capped at `maxDelayMs`. */
  baseMs: number;
  maxDelayMs?: number;
  /** Called before each wait, e.g. to log. */
  onRetry?: (attempt: number, delayMs: number, error: unknown) => void;
}

/** The HTTP status of a gaxios (or fetch-like) error, if it has one. */
export function statusOf(error: unknown): number | undefined {
  const e = error as { status?: unknown; response?: { status?: unknown }; code?: unknown };
  const status = e?.response?.status ?? e?.status ?? (typeof e?.code === 'number' ? e.code : undefined);
  return typeof status === 'number' ? status : undefined;
}

/** 429, 5xx and network failures (no status) are worth retrying; other 4xx are not. */
export function isRetryable(error: unknown): boolean {
  const status = statusOf(error);
  return status === undefined ? isNetworkError(error) : status === 429 || status >= 500;
}

function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|UND_ERR_SOCKET)$/.test(code);
}

/** Runs `call`, retrying retryable failures; rethrows the last error when retries run out. */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions): Promise<T> {
  const cap = options.maxDelayMs ?? 64_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= options.maxRetries || !isRetryable(error)) throw error;
      const delay = Math.min(cap, options.baseMs * 2 ** attempt) * (0.5 + Math.random() / 2);
      options.onRetry?.(attempt + 1, delay, error);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Spaces calls so that at most `perMinute` start in any minute (a token bucket of one minute). */
export class Pacer {
  readonly #intervalMs: number;
  #next = 0;
  constructor(perMinute: number) {
    this.#intervalMs = 60_000 / perMinute;
  }
  async wait(): Promise<void> {
    const now = Date.now();
    // Allow a burst of one minute's worth after idling, then steady pacing.
    const start = Math.max(this.#next, now - 60_000 + this.#intervalMs);
    this.#next = start + this.#intervalMs;
    if (start > now) await new Promise((resolve) => setTimeout(resolve, start - now));
  }
}
