/**
 * The HTTP client of the source: `GET` requests to Stripe's API with the key, the API version, the
 * shared rate limit and concurrency cap, and retries (retry.ts). Plain `node:http(s)` with
 * keep-alive: the source only reads, and owning the requests keeps `Retry-After`, the pacing and
 * the version header in view (`fetch` would also refuse some ports a local server may use).
 */
import http from 'node:http';
import https from 'node:https';
import { ConfigError } from '@sync/protocol';
import { requestsPerSecond, type StripeSourceConfig } from './config.ts';
import { specApiVersion } from './openapi.ts';
import { Semaphore, TokenBucket } from './rate-limit.ts';
import { DEFAULT_RETRY_POLICY, StripeHttpError, withRetries, type RetryPolicy } from './retry.ts';

/** Per-request timeout, ms. Stripe answers list calls in well under a second. */
const REQUEST_TIMEOUT_MS = 60_000;

export type StripeObject = Record<string, unknown>;

/** One page of a list, as Stripe returns it. */
export interface ListPage {
  data: StripeObject[];
  has_more: boolean;
}

/** Query parameters, already in Stripe's form encoding (`created[gte]`, `types[0]`). */
export type Query = Readonly<Record<string, string | number | undefined>>;

export interface StripeClient {
  /** `GET path?query` (`path` may carry a query of its own), retried as `RetryPolicy` says. */
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
  retry?: RetryPolicy;
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
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;
  const rate = options.requestsPerSecond ?? requestsPerSecond(config);
  const bucket = new TokenBucket(rate);
  const inFlight = new Semaphore(config.max_concurrency);
  const headers = {
    authorization: `Bearer ${config.api_key}`,
    'stripe-version': config.api_version ?? specApiVersion(),
    'user-agent': 'sync-engine source-stripe',
    accept: 'application/json',
  };
  const agent = base.protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  let requestCount = 0;
  /** Moving average of the time requests take once sent, ms. */
  let latencyMs: number | undefined;

  async function once(url: URL): Promise<unknown> {
    await inFlight.acquire();
    try {
      await bucket.take();
      requestCount++;
      const sent = performance.now();
      const response = await get(url, headers, agent);
      const took = performance.now() - sent;
      latencyMs = latencyMs === undefined ? took : latencyMs * 0.8 + took * 0.2;
      if (response.status >= 200 && response.status < 300) return JSON.parse(response.text);
      let body: { error?: Record<string, string> } | undefined;
      try {
        body = JSON.parse(response.text) as typeof body;
      } catch {
        // A proxy's HTML error page: the status says enough.
      }
      throw new StripeHttpError(response.status, body?.error, response.retryAfter);
    } finally {
      inFlight.release();
    }
  }

  const client: StripeClient = {
    get<T>(path: string, query: Query = {}, stream?: string): Promise<T> {
      const url = new URL(path, base.origin);
      for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
      const what = `GET ${url.pathname}`;
      return withRetries(() => once(url), { what, baseUrl: base.origin, ...(stream ? { stream } : {}) }, policy) as Promise<T>;
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

interface RawResponse {
  status: number;
  retryAfter: string | null;
  text: string;
}

/** One GET; rejects with the socket's error (`code` ECONNREFUSED, ECONNRESET, …) or a timeout. */
function get(url: URL, headers: Record<string, string>, agent: http.Agent): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const request = lib.request(url, { method: 'GET', headers, agent, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        if (!response.complete) return reject(Object.assign(new Error('the response was cut short'), { code: 'ECONNRESET' }));
        const retryAfter = response.headers['retry-after'];
        resolve({ status: response.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })));
    request.on('error', reject);
    request.end();
  });
}
