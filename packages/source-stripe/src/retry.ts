/**
 * Retrying Stripe requests. Stripe asks clients to back off exponentially on 429 and to retry 5xx
 * and network failures (https://docs.stripe.com/rate-limits,
 * https://docs.stripe.com/error-low-level#server-errors); a `Retry-After` header sets the least wait.
 */
import { RetryableError, parseRetryAfter, withRetry } from '@sync/connector-kit';
import { ConfigError, ConnectorError, errorMessage } from '@sync/connector-kit';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** First backoff, ms; doubles each attempt, with full jitter. */
  baseDelayMs: number;
  /** Longest backoff, ms; a longer `Retry-After` is capped to this too. */
  maxDelayMs: number;
  /** Attempts in all when the base URL cannot be reached at all (refused, unknown host): a typo should fail fast. */
  unreachableAttempts: number;
  /** Waits `ms`; tests may replace it. */
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
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
  /** `Retry-After`, seconds, when the answer had one. */
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, body: { type?: string; code?: string; message?: string; param?: string } | undefined, retryAfter: string | null) {
    super(body?.message ?? `HTTP ${status}`);
    this.name = 'StripeHttpError';
    this.status = status;
    this.type = body?.type;
    this.code = body?.code;
    this.param = body?.param;
    // Seconds or an HTTP date (RFC 9110 §10.2.3).
    const ms = parseRetryAfter(retryAfter);
    this.retryAfterSeconds = ms === undefined ? undefined : ms / 1000;
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
  | { kind: 'fatal' };

function networkCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function classify(error: unknown): Failure {
  if (error instanceof StripeHttpError) {
    const { status } = error;
    if (status === 401) return { kind: 'auth' };
    if (status === 429 || status >= 500) return { kind: 'retryable', ...(error.retryAfterSeconds !== undefined ? { retryAfterMs: error.retryAfterSeconds * 1000 } : {}) };
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

/** Full-jitter exponential backoff (attempt 1 = first retry), never shorter than `Retry-After`. */
export function backoffMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = exponential / 2 + Math.random() * (exponential / 2);
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
}


export interface RequestContext {
  /** Names the request in messages, e.g. "GET /v1/customers". */
  what: string;
  baseUrl: string;
  stream?: string;
}

/**
 * Runs `request` until it succeeds, retrying rate limits, 5xx and network failures.
 * @throws ConfigError on 401 or when `baseUrl` cannot be reached; StreamUnavailableError on 403,
 *   404 and a 400 that names no parameter; ConnectorError `transient_error` once the retries are
 *   spent; StripeRequestError (`system_error`) for any other API error.
 */
export async function withRetries<T>(request: () => Promise<T>, context: RequestContext, policy: RetryPolicy = DEFAULT_RETRY_POLICY): Promise<T> {
  const stream = context.stream ? { stream: context.stream } : {};
  // The connector kit's retry loop; this function decides, per failure, whether to try again and after
  // how long (a RetryableError carrying the wait), or what to give up with.
  return withRetry(
    async (attempt) => {
      try {
        return await request();
      } catch (error) {
        const failure = classify(error);
        const detail = `${context.what}: ${errorMessage(error)}`;
        switch (failure.kind) {
          case 'auth':
            throw new ConfigError(`Stripe rejected the API key (${errorMessage(error)}); check api_key / STRIPE_API_KEY.`, { ...stream, cause: error });
          case 'unavailable':
            throw new StreamUnavailableError(`Stripe refused ${detail} (HTTP ${(error as StripeHttpError).status}); the account may not have this feature enabled, or the key may lack read access to it.`, { ...stream, cause: error });
          case 'unreachable':
            if (attempt >= policy.unreachableAttempts) {
              throw new ConfigError(`cannot reach Stripe at ${context.baseUrl} (${failure.code}); check base_url / STRIPE_BASE_URL.`, { ...stream, cause: error });
            }
            throw new RetryableError(detail, { retryAfterMs: Math.min(backoffMs(policy, attempt), 1_000), cause: error });
          case 'retryable':
            if (attempt >= policy.maxAttempts) {
              throw new ConnectorError(`Stripe kept failing after ${attempt} attempts (${detail}); try again later.`, { failureType: 'transient_error', ...stream, cause: error });
            }
            throw new RetryableError(detail, { retryAfterMs: backoffMs(policy, attempt, failure.retryAfterMs), cause: error });
          case 'fatal':
            throw new StripeRequestError(`Stripe refused ${detail}`, error as StripeHttpError, context.stream);
        }
      }
    },
    { maxAttempts: Number.POSITIVE_INFINITY, maxDelayMs: policy.maxDelayMs, ...(policy.sleep ? { sleep: policy.sleep } : {}) },
  );
}
