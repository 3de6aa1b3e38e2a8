/**
 * The HTTP client of the source: `GET` requests to Stripe's API through the official `stripe` SDK
 * (`rawRequest`, so one code path serves every stream the OpenAPI spec lists), with the key, the API
 * version of the bundled spec (`Stripe-Version`), the connector kit's pacer (the request rate and
 * concurrency cap, shared by all streams) and its retry loop under Stripe's policy (retry.ts). The
 * SDK's own retries are off: they ignore `Retry-After` and never retry a 429
 * (https://docs.stripe.com/rate-limits), so the kit's loop owns them. Every request has a deadline,
 * `request_timeout_ms`, and its socket TCP keepalive (http-client.ts); a request past its deadline
 * is retried like a connection reset.
 */
import Stripe from 'stripe';
import { ConfigError, createPacer, withRetry } from '@sync/connector-kit';
import { requestsPerSecond, type StripeSourceConfig } from './config.ts';
import { specApiVersion } from './streams.ts';
import { DeadlineHttpClient } from './http-client.ts';
import { DEFAULT_STRIPE_RETRY, StripeHttpError, stripeRetry, type StripeRetryOptions } from './retry.ts';

export type StripeObject = Record<string, unknown>;

/** One page of a list, as Stripe returns it. */
export interface ListPage {
  data: StripeObject[];
  has_more: boolean;
}

/** Query parameters, already in Stripe's form encoding (`created[gte]`, `types[0]`). */
export type Query = Readonly<Record<string, string | number | undefined>>;

export interface StripeClient {
  /** `GET path?query` (`path` may carry a query of its own), paced, and retried as Stripe's policy says (retry.ts). */
  get<T = unknown>(path: string, query?: Query, stream?: string): Promise<T>;
  /** One page of a list endpoint. */
  list(path: string, query: Query, stream?: string): Promise<ListPage>;
  /** Requests sent so far, retries included. */
  readonly requestCount: number;
  /**
   * Requests in flight that keep the rate limit busy (Little's law: rate × latency, plus one), from
   * the latency of recent requests; undefined before the first answer. More would only wait.
   */
  readonly usefulConcurrency: number | undefined;
}

export interface ClientOptions {
  /** Attempts and backoff; default DEFAULT_STRIPE_RETRY. */
  retry?: StripeRetryOptions;
  /** Overrides the config's request rate (tests). */
  requestsPerSecond?: number;
}

/**
 * @throws ConfigError when `base_url` is not an http(s) URL without a path.
 */
export function createStripeClient(config: StripeSourceConfig, options: ClientOptions = {}): StripeClient {
  const base = new URL(config.base_url);
  if (base.pathname !== '/' || base.search) {
    throw new ConfigError(`base_url ${config.base_url} must be just scheme, host and port (such as https://api.stripe.com)`);
  }
  const retry = options.retry ?? DEFAULT_STRIPE_RETRY;
  const rate = options.requestsPerSecond ?? requestsPerSecond(config);
  // Evenly spaced at the rate (no burst: Stripe answers bursts with 429s), at most max_concurrency in flight.
  const pacer = createPacer({ requestsPerSecond: rate, maxConcurrent: config.max_concurrency });
  const stripe = new Stripe(config.api_key, {
    host: base.hostname,
    ...(base.port ? { port: Number(base.port) } : {}),
    protocol: base.protocol === 'http:' ? 'http' : 'https',
    // The SDK's types name only its own release's version; the source asks for the spec's.
    apiVersion: (config.api_version ?? specApiVersion()) as Stripe.StripeConfig['apiVersion'],
    maxNetworkRetries: 0,
    timeout: config.request_timeout_ms,
    httpClient: new DeadlineHttpClient(config.max_concurrency),
    appInfo: { name: 'sync-engine source-stripe' },
  });
  let requestCount = 0;
  /** Moving average of the time requests take once sent, ms. */
  let latencyMs: number | undefined;

  /** One attempt of a request, once the pacer lets it go. */
  function send(url: URL): Promise<unknown> {
    return pacer.run(async () => {
      requestCount++;
      const sent = performance.now();
      try {
        return await stripe.rawRequest('GET', `${url.pathname}${url.search}`, null as never);
      } catch (error) {
        throw fromSdkError(error, config.request_timeout_ms);
      } finally {
        const took = performance.now() - sent;
        latencyMs = latencyMs === undefined ? took : latencyMs * 0.8 + took * 0.2;
      }
    });
  }

  const client: StripeClient = {
    get<T>(path: string, query: Query = {}, stream?: string): Promise<T> {
      const url = new URL(path, base.origin);
      for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
      const what = `GET ${url.pathname}`;
      return withRetry(() => send(url), stripeRetry({ what, baseUrl: base.origin, ...(stream ? { stream } : {}) }, retry)) as Promise<T>;
    },
    list(path, query, stream) {
      return client.get<ListPage>(path, query, stream);
    },
    get requestCount() {
      return requestCount;
    },
    get usefulConcurrency() {
      if (latencyMs === undefined) return undefined;
      return Math.min(config.max_concurrency, Math.ceil((rate * latencyMs) / 1000) + 1);
    },
  };
  return client;
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
