/**
 * The HTTP client of the source: `GET` requests to Stripe's API through the official `stripe` SDK
 * (stripe-sdk.ts: `rawRequest`, the API version of the pinned spec as `Stripe-Version`, a deadline
 * per request and TCP keepalive on its sockets), paced by the connector kit's pacer (the request rate
 * and concurrency cap, shared by all streams) and retried by the kit's loop under Stripe's policy
 * (retry.ts). The SDK is loaded when a client is made (by `read` and `check`, at their start), so
 * `spec` and `discover` never load it, and `read` loads it while it plans its streams instead of
 * after (issue 13: the SDK is most of a no-op run's source start-up).
 */
import { ConfigError, createPacer, withRetry } from '@sync/connector-kit';
import { requestsPerSecond, type StripeSourceConfig } from './config.ts';
import type { StripeSdk } from './stripe-sdk.ts';
import { specApiVersion } from './streams.ts';
import { stripeRetry, DEFAULT_STRIPE_RETRY, type StripeRetryOptions } from './retry.ts';

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
  const apiVersion = config.api_version ?? specApiVersion();
  // Loading starts now; a failure to load surfaces at the first request, as the request's error.
  const sdk: Promise<StripeSdk> = import('./stripe-sdk.ts').then((m) => m.openStripeSdk(config, base, apiVersion));
  sdk.catch(() => {});
  let requestCount = 0;
  /** Moving average of the time requests take once sent, ms. */
  let latencyMs: number | undefined;

  /** One attempt of a request, once the pacer lets it go. */
  async function send(url: URL): Promise<unknown> {
    const api = await sdk;
    return pacer.run(async () => {
      requestCount++;
      const sent = performance.now();
      try {
        return await api.get(`${url.pathname}${url.search}`);
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
