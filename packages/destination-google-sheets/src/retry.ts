/**
 * Retrying Sheets API calls: 429 (quota), 5xx and network failures are retried with truncated
 * exponential backoff and jitter, as Google advises
 * (https://developers.google.com/sheets/api/limits#exponential-backoff), waiting at least what a
 * `Retry-After` header asks.
 *
 * Failures fall in two kinds, which matter for requests that must not run twice (values.append,
 * row deletions): after a *not applied* failure the request certainly did nothing and may be resent;
 * after an *ambiguous* one (5xx, a timeout, a connection lost mid-request) it may have been carried
 * out, so it is resent only once a read-back shows it was not (see write-once.ts).
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

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Network failures before a connection existed: the request never reached the server. */
const NOT_SENT = /^(ECONNREFUSED|EAI_AGAIN)$/;
/**
 * Network failures once the request may have reached the server: the connection was reset or closed
 * mid-request, or the client gave up waiting (gaxios' `TimeoutError` after `timeout` ms).
 */
const LOST_MID_REQUEST = /^(ECONNRESET|ETIMEDOUT|EPIPE|UND_ERR_SOCKET|ECONNABORTED|TimeoutError)$/;

/**
 * True when the request certainly did nothing and may be resent as is: 429 (Google rejects a request
 * over quota before carrying it out, https://developers.google.com/sheets/api/limits) or a failure
 * to connect.
 */
export function isNotApplied(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined) return status === 429;
  const code = codeOf(error);
  return code !== undefined && NOT_SENT.test(code);
}

/**
 * True when the request may or may not have been carried out: a 5xx answer, a timeout, or a
 * connection lost after the request was sent.
 */
export function isAmbiguous(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined) return status >= 500;
  const code = codeOf(error);
  return code !== undefined && LOST_MID_REQUEST.test(code);
}

/** Worth retrying for a request that is safe to repeat (a read, a write of fixed cells): either kind above; other 4xx are not. */
export function isRetryable(error: unknown): boolean {
  return isNotApplied(error) || isAmbiguous(error);
}

/** The longest `Retry-After` honoured, in ms: a longer one is waited this long, then the request is tried again. */
export const MAX_RETRY_AFTER_MS = 300_000;

/**
 * The wait a failed response asks for in its `Retry-After` header (seconds, or an HTTP date), in ms;
 * undefined when it has none (RFC 9110 §10.2.3, https://www.rfc-editor.org/rfc/rfc9110#field.retry-after).
 */
export function retryAfterMs(error: unknown, now = Date.now()): number | undefined {
  // The HTTP error itself, or the one a wrapping error (`cause`) was made from.
  let failed = error;
  while (failed instanceof Error && !('response' in failed) && failed.cause !== undefined) failed = failed.cause;
  const headers = (failed as { response?: { headers?: unknown } })?.response?.headers;
  let value: unknown;
  // A fetch Headers (native or node-fetch's), or a plain object of lower-cased names.
  const get = (headers as { get?: unknown })?.get;
  if (typeof get === 'function') value = (get as (name: string) => unknown).call(headers, 'retry-after');
  else if (headers && typeof headers === 'object') value = (headers as Record<string, unknown>)['retry-after'];
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The wait before retry number `attempt` (0-based): `baseMs · 2^attempt`, capped at `maxDelayMs`,
 * with jitter (50-100 %); at least what the response's `Retry-After` asks (up to
 * `MAX_RETRY_AFTER_MS`).
 */
export function backoffMs(attempt: number, options: RetryOptions, error?: unknown): number {
  const backoff = Math.min(options.maxDelayMs ?? 64_000, options.baseMs * 2 ** attempt) * (0.5 + Math.random() / 2);
  return Math.max(backoff, Math.min(retryAfterMs(error) ?? 0, MAX_RETRY_AFTER_MS));
}

/**
 * Runs `call`, retrying failures `retryable` accepts (default `isRetryable`); rethrows the last
 * error when retries run out or a failure is not retryable.
 */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions, retryable: (error: unknown) => boolean = isRetryable): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= options.maxRetries || !retryable(error)) throw error;
      await pause(attempt, error, options);
    }
  }
}

/** Waits before retry `attempt + 1`, telling `onRetry` first. */
export async function pause(attempt: number, error: unknown, options: RetryOptions): Promise<void> {
  const delay = backoffMs(attempt, options, error);
  options.onRetry?.(attempt + 1, delay, error);
  await new Promise((resolve) => setTimeout(resolve, delay));
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
