/**
 * Google Sheets' retry policy, for the connector kit's retry loop (`withRetry`): 429 (quota), 5xx
 * and network failures are retried with exponential backoff and jitter, as Google advises
 * (https://developers.google.com/sheets/api/limits#exponential-backoff), waiting at least what a
 * `Retry-After` header asks.
 *
 * Failures fall in two kinds, which matter for requests that must not run twice (values.append,
 * row deletions): after a *not applied* failure the request certainly did nothing and may be resent;
 * after an *ambiguous* one (5xx, a timeout, a connection lost mid-request) it may have been carried
 * out, so it is resent only once a read-back shows it was not (see write-once.ts).
 */
import { parseRetryAfter, type RetryOptions } from '@sync/connector-kit';

/** How hard the destination retries, from its config (`max_retries`, `retry_base_ms`). */
export interface SheetsRetrySettings {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Backoff before the first retry, in ms; doubled each retry (times 1 to 2 for jitter), capped at `maxDelayMs`. */
  baseMs: number;
  /** Longest backoff, in ms. Default 64 000 (Google's advice). */
  maxDelayMs?: number;
  /** Called before each wait, e.g. to log: the retry's number (from 1), the wait in ms, the failure. */
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
  return typeof value === 'string' ? parseRetryAfter(value, now) : undefined;
}

/**
 * The kit's retry options for a Sheets request, retrying the failures `retryable` accepts
 * (`isRetryable` for a request safe to repeat, `isNotApplied` for one that is not), waiting at least
 * what their `Retry-After` asks (up to `MAX_RETRY_AFTER_MS`). When retries run out, the last failure
 * is thrown.
 */
export function sheetsRetry(settings: SheetsRetrySettings, retryable: (error: unknown) => boolean): RetryOptions {
  const { onRetry } = settings;
  return {
    policy: ({ error }) => {
      if (!retryable(error)) return { retry: false };
      const wait = retryAfterMs(error);
      return wait === undefined ? { retry: true } : { retry: true, retryAfterMs: wait };
    },
    maxAttempts: settings.maxRetries + 1,
    baseDelayMs: settings.baseMs,
    maxDelayMs: settings.maxDelayMs ?? 64_000,
    maxRetryAfterMs: MAX_RETRY_AFTER_MS,
    ...(onRetry ? { onRetry: ({ attempt, delayMs, error }) => onRetry(attempt, delayMs, error) } : {}),
  };
}
