/**
 * Stripe's retry policy, for the connector kit's retry loop (`withRetry`). Stripe asks clients to
 * back off exponentially on 429 and to retry 5xx and network failures
 * (https://docs.stripe.com/rate-limits, https://docs.stripe.com/error-low-level#server-errors); an
 * answer's `Stripe-Should-Retry` header overrides that guess either way (Stripe's own libraries obey
 * it: https://docs.stripe.com/error-low-level), and its `Retry-After` sets the least wait.
 */
import { ConfigError, ConnectorError, errorMessage, parseRetryAfter, type FailedAttempt, type RetryDecision, type RetryOptions } from '@sync/connector-kit';

/** How hard the source retries a request; every field but `onRetry` is required. */
export interface StripeRetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Backoff before the first retry, ms (the kit's: doubled each retry, times 1 to 2 for jitter). */
  baseDelayMs: number;
  /** Longest backoff, ms; a longer `Retry-After` is capped to this too. */
  maxDelayMs: number;
  /** Attempts in all when the base URL cannot be reached at all (refused, unknown host): a typo should fail fast. */
  unreachableAttempts: number;
  /** Told before each wait (tests record the waits). */
  onRetry?: RetryOptions['onRetry'];
}

export const DEFAULT_STRIPE_RETRY: StripeRetryOptions = {
  maxAttempts: 8,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  unreachableAttempts: 3,
};

/** An HTTP error answer from Stripe: `{ error: { type, code?, message, param? } }` (https://docs.stripe.com/api/errors). */
export class StripeHttpError extends Error {
  readonly status: number;
  readonly type: string | undefined;
  readonly code: string | undefined;
  readonly param: string | undefined;
  /** `Retry-After`, ms, when the answer had one (seconds or an HTTP date, RFC 9110 §10.2.3). */
  readonly retryAfterMs: number | undefined;
  /** `Stripe-Should-Retry`: true or false when the answer said, undefined when it did not. */
  readonly shouldRetry: boolean | undefined;

  constructor(
    status: number,
    body: { type?: string; code?: string; message?: string; param?: string } | undefined,
    headers: { retryAfter?: string | null; shouldRetry?: string | null } = {},
  ) {
    super(body?.message ?? `HTTP ${status}`);
    this.name = 'StripeHttpError';
    this.status = status;
    this.type = body?.type;
    this.code = body?.code;
    this.param = body?.param;
    this.retryAfterMs = parseRetryAfter(headers.retryAfter);
    this.shouldRetry = headers.shouldRetry === 'true' ? true : headers.shouldRetry === 'false' ? false : undefined;
  }
}

/**
 * Stripe answered that this account or key cannot use the resource: the feature is not enabled
 * (Issuing, Treasury, Connect, …), the key lacks the permission, or the API version does not have
 * the endpoint. The stream ends INCOMPLETE with a LOG saying why; the run goes on.
 */
export class StreamUnavailableError extends ConnectorError {
  constructor(message: string, options: { stream?: string; cause?: unknown } = {}) {
    super(message, { ...options, failureType: 'config_error' });
    this.name = 'StreamUnavailableError';
  }
}

/** An API error not worth retrying (a 400 naming a parameter, say); callers may handle some (resource_missing). */
export class StripeRequestError extends ConnectorError {
  readonly status: number;
  readonly code: string | undefined;
  readonly param: string | undefined;

  constructor(message: string, cause: StripeHttpError, stream?: string) {
    super(message, { failureType: 'system_error', cause, ...(stream ? { stream } : {}) });
    this.name = 'StripeRequestError';
    this.status = cause.status;
    this.code = cause.code;
    this.param = cause.param;
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Failure classes, each handled its own way. */
type Failure =
  | { kind: 'auth' }
  | { kind: 'unavailable' }
  | { kind: 'unreachable'; code: string }
  | { kind: 'retryable'; retryAfterMs?: number }
  | { kind: 'not-to-retry' }
  | { kind: 'fatal' };

function networkCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function classify(error: unknown): Failure {
  if (error instanceof StripeHttpError) {
    const { status } = error;
    if (status === 401) return { kind: 'auth' };
    const retryable: Failure = { kind: 'retryable', ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}) };
    if (error.shouldRetry === true) return retryable;
    if (status === 429 || status >= 500) return error.shouldRetry === false ? { kind: 'not-to-retry' } : retryable;
    if (status === 403 || status === 404) return { kind: 'unavailable' };
    // "Your account is not set up to use Issuing": a 400 that names no parameter.
    if (status === 400 && error.param === undefined && error.code !== 'resource_missing') return { kind: 'unavailable' };
    return { kind: 'fatal' };
  }
  const code = networkCode(error);
  if (code && UNREACHABLE.has(code)) return { kind: 'unreachable', code };
  // Connection resets, timeouts, a body cut short: the request may succeed on another try.
  return { kind: 'retryable' };
}

export interface RequestContext {
  /** Names the request in messages, e.g. "GET /v1/customers". */
  what: string;
  baseUrl: string;
  stream?: string;
}

/**
 * The kit's retry options for one Stripe request: `options`' attempts and backoff, Stripe's policy,
 * and the errors a request ends with:
 * - ConfigError on 401, or when `baseUrl` cannot be reached in `unreachableAttempts` attempts;
 * - StreamUnavailableError on 403, 404 and a 400 that names no parameter;
 * - ConnectorError `transient_error` once the attempts are spent on 429, 5xx or network failures,
 *   or at once when Stripe answers one of those with `Stripe-Should-Retry: false`;
 * - StripeRequestError (`system_error`) for any other API error.
 */
export function stripeRetry(context: RequestContext, options: StripeRetryOptions = DEFAULT_STRIPE_RETRY): RetryOptions {
  const stream = context.stream ? { stream: context.stream } : {};
  const policy = ({ error, attempt }: FailedAttempt): RetryDecision => {
    const failure = classify(error);
    const detail = `${context.what}: ${errorMessage(error)}`;
    switch (failure.kind) {
      case 'auth':
        return { retry: false, error: new ConfigError(`Stripe rejected the API key (${errorMessage(error)}); check api_key / STRIPE_API_KEY.`, { ...stream, cause: error }) };
      case 'unavailable': {
        const message = `Stripe refused ${detail} (HTTP ${(error as StripeHttpError).status}); the account may not have this feature enabled, or the key may lack read access to it.`;
        return { retry: false, error: new StreamUnavailableError(message, { ...stream, cause: error }) };
      }
      case 'unreachable':
        if (attempt < options.unreachableAttempts) return { retry: true };
        return { retry: false, error: new ConfigError(`cannot reach Stripe at ${context.baseUrl} (${failure.code}); check base_url / STRIPE_BASE_URL.`, { ...stream, cause: error }) };
      case 'retryable':
        return failure.retryAfterMs === undefined ? { retry: true } : { retry: true, retryAfterMs: failure.retryAfterMs };
      case 'not-to-retry': {
        const message = `Stripe failed ${detail} (HTTP ${(error as StripeHttpError).status}) and answered that retrying would not help (Stripe-Should-Retry: false); try again later.`;
        return { retry: false, error: new ConnectorError(message, { failureType: 'transient_error', ...stream, cause: error }) };
      }
      case 'fatal':
        return { retry: false, error: new StripeRequestError(`Stripe refused ${detail}`, error as StripeHttpError, context.stream) };
    }
  };
  return {
    policy,
    maxAttempts: options.maxAttempts,
    baseDelayMs: options.baseDelayMs,
    maxDelayMs: options.maxDelayMs,
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    giveUp: ({ error, attempt }) =>
      new ConnectorError(`Stripe kept failing after ${attempt} attempts (${context.what}: ${errorMessage(error)}); try again later.`, { failureType: 'transient_error', ...stream, cause: error }),
  };
}
