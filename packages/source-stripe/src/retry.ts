/**
 * Retrying Stripe requests. Stripe asks clients to back off exponentially on 429 and to retry 5xx
 * and network failures (https://docs.stripe.com/rate-limits, https://docs.stripe.com/error-low-level#server-errors).
 * The SDK's own retries ignore `Retry-After` and never retry 429, so the SDK runs with
 * `maxNetworkRetries: 0` and this module decides.
 */
import { ConfigError, ConnectorError, errorMessage } from '@sync/protocol';

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
  maxAttempts: 7,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  unreachableAttempts: 3,
};

/** What the SDK's errors carry that matters here (StripeError, StripeConnectionError). */
interface SdkError {
  statusCode?: number;
  headers?: Record<string, string | undefined>;
  type?: string;
  code?: string;
  detail?: { code?: string };
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Failure classes, each handled its own way. */
type Failure =
  | { kind: 'auth' }
  | { kind: 'forbidden' }
  | { kind: 'unreachable'; code: string }
  | { kind: 'retryable'; retryAfterMs?: number }
  | { kind: 'fatal' };

function classify(error: unknown): Failure {
  const e = (error ?? {}) as SdkError;
  if (e.statusCode === 401) return { kind: 'auth' };
  if (e.statusCode === 403) return { kind: 'forbidden' };
  const networkCode = e.detail?.code ?? e.code;
  if (e.type === 'StripeConnectionError' && networkCode && UNREACHABLE.has(networkCode)) return { kind: 'unreachable', code: networkCode };
  if (e.type === 'StripeConnectionError' || e.statusCode === 429 || (e.statusCode !== undefined && e.statusCode >= 500)) {
    const retryAfter = Number(e.headers?.['retry-after']);
    return { kind: 'retryable', ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterMs: retryAfter * 1000 } : {}) };
  }
  return { kind: 'fatal' };
}

/** Full-jitter exponential backoff (attempt 1 = first retry), never shorter than `Retry-After`. */
export function backoffMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = exponential / 2 + Math.random() * (exponential / 2);
  return Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `request` until it succeeds, retrying rate limits, 5xx and network failures.
 * @param what names the request in error messages, e.g. "GET /v1/customers".
 * @throws ConfigError on 401 and 403 or when `baseUrl` cannot be reached; ConnectorError `transient_error`
 *   once the retries are spent; ConnectorError `system_error` for any other API error.
 */
export async function withRetries<T>(request: () => Promise<T>, context: { what: string; baseUrl: string; stream?: string }, policy: RetryPolicy = DEFAULT_RETRY_POLICY): Promise<T> {
  const wait = policy.sleep ?? sleep;
  const stream = context.stream ? { stream: context.stream } : {};
  for (let attempt = 1; ; attempt++) {
    try {
      return await request();
    } catch (error) {
      const failure = classify(error);
      const detail = `${context.what}: ${errorMessage(error)}`;
      switch (failure.kind) {
        case 'auth':
          throw new ConfigError(`Stripe rejected the API key (${errorMessage(error)}); check api_key / STRIPE_API_KEY.`, { ...stream, cause: error });
        case 'forbidden':
          throw new ConfigError(`the API key may not ${context.what} (${errorMessage(error)}); give a restricted key read access to it, or leave the stream out of the catalog.`, { ...stream, cause: error });
        case 'unreachable':
          if (attempt >= policy.unreachableAttempts) {
            throw new ConfigError(`cannot reach Stripe at ${context.baseUrl} (${failure.code}); check base_url / STRIPE_BASE_URL.`, { ...stream, cause: error });
          }
          await wait(Math.min(backoffMs(policy, attempt), 1_000));
          break;
        case 'retryable':
          if (attempt >= policy.maxAttempts) {
            throw new ConnectorError(`Stripe kept failing after ${attempt} attempts (${detail}); try again later.`, { failureType: 'transient_error', ...stream, cause: error });
          }
          await wait(backoffMs(policy, attempt, failure.retryAfterMs));
          break;
        case 'fatal':
          throw new ConnectorError(`Stripe refused ${detail}`, { failureType: 'system_error', ...stream, cause: error });
      }
    }
  }
}
