/**
 * The official `stripe` SDK, set up for the source: `GET` requests through `rawRequest` (one code
 * path serves every stream the spec lists), with the key, the API version, the source's HTTP
 * transport (http-client.ts: a deadline per request, TCP keepalive) and the SDK's own retries off
 * (they ignore `Retry-After` and never retry a 429, https://docs.stripe.com/rate-limits; client.ts
 * retries instead). Its errors come out as retry.ts classifies errors.
 *
 * client.ts loads this module with a dynamic `import()` when a client is made (`read`, `check`), so that `spec` and
 * `discover` never load the SDK (about 16 MB of a process's memory, issue 13); the bundle keeps it in
 * a chunk of its own.
 */
import Stripe from 'stripe';
import type { StripeSourceConfig } from './config.ts';
import { DeadlineHttpClient } from './http-client.ts';
import { StripeHttpError } from './retry.ts';

/** A configured SDK. */
export interface StripeSdk {
  /**
   * One attempt of `GET pathAndQuery` (e.g. `/v1/customers?limit=100`): the parsed answer.
   * @throws StripeHttpError for an HTTP error answer; an Error with a socket `code` (ECONNREFUSED,
   *   ENOTFOUND, ETIMEDOUT past `request_timeout_ms`, …) when no complete answer came.
   */
  get(pathAndQuery: string): Promise<unknown>;
}

/**
 * The SDK for `config`, talking to `base` (scheme, host and port of `base_url`).
 * @param apiVersion sent as `Stripe-Version`.
 */
export function openStripeSdk(config: StripeSourceConfig, base: URL, apiVersion: string): StripeSdk {
  const stripe = new Stripe(config.api_key, {
    host: base.hostname,
    ...(base.port ? { port: Number(base.port) } : {}),
    protocol: base.protocol === 'http:' ? 'http' : 'https',
    // The SDK's types name only its own release's version; the source asks for the spec's.
    apiVersion: apiVersion as Stripe.StripeConfig['apiVersion'],
    maxNetworkRetries: 0,
    timeout: config.request_timeout_ms,
    httpClient: new DeadlineHttpClient(config.max_concurrency),
    appInfo: { name: 'sync-engine source-stripe' },
  });
  return {
    async get(pathAndQuery) {
      try {
        return await stripe.rawRequest('GET', pathAndQuery, null as never);
      } catch (error) {
        throw fromSdkError(error, config.request_timeout_ms);
      }
    },
  };
}

/**
 * The SDK's error as retry.ts classifies errors: an HTTP answer becomes a StripeHttpError (status,
 * Stripe's error type, code and param, `Retry-After`, `Stripe-Should-Retry`); a connection failure keeps its socket error
 * code (ECONNREFUSED, ENOTFOUND, …), ETIMEDOUT for a request past its deadline (`timeoutMs`).
 */
function fromSdkError(error: unknown, timeoutMs: number): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  if (error.type === 'StripeConnectionError' || error.statusCode === undefined) {
    const detail = error.detail as { code?: unknown } | undefined;
    const code = typeof detail?.code === 'string' ? detail.code : /timeout/i.test(error.message) ? 'ETIMEDOUT' : 'ECONNRESET';
    const message = code === 'ETIMEDOUT' ? `no complete answer within request_timeout_ms (${timeoutMs} ms)` : error.message;
    return Object.assign(new Error(message, { cause: error }), { code });
  }
  const raw = error.raw as { type?: string; param?: string } | undefined;
  return new StripeHttpError(
    error.statusCode,
    {
      ...(raw?.type ?? error.rawType ? { type: raw?.type ?? error.rawType } : {}),
      ...(error.code ? { code: error.code } : {}),
      message: error.message,
      ...(raw?.param ? { param: raw.param } : {}),
    },
    { retryAfter: error.headers?.['retry-after'] ?? null, shouldRetry: error.headers?.['stripe-should-retry'] ?? null },
  );
}
