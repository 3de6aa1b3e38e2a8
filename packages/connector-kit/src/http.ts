/**
 * A small JSON HTTP client for sources: base URL, auth headers, the kit's retries (retry.ts) on 429,
 * 5xx and network errors honouring `Retry-After`, the kit's pacing (pacing.ts) when asked, one
 * re-authentication on 401, and errors that say what to do.
 */
import { ConnectorError, errorMessage } from './errors.ts';
import type { Auth } from './auth.ts';
import type { Pacer } from './pacing.ts';
import { parseRetryAfter, withRetry, type RetryDecision, type RetryOptions } from './retry.ts';

export interface HttpClientOptions {
  /** Prefix of every path, e.g. `https://api.example.com/v1`. */
  baseUrl: string;
  auth?: Auth;
  /** Attempts, backoff and deadline of each request (the policy is the client's own). */
  retry?: Omit<RetryOptions, 'policy' | 'giveUp'>;
  /** Paces every attempt (`createPacer`), shared with whatever else uses the same pacer. Default: none. */
  pacer?: Pacer;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface HttpClient {
  /**
   * GETs `path` (joined to the base URL) with `query` and returns the parsed JSON body.
   *
   * @throws ConnectorError: config_error on 401/403 (after one re-authentication), transient_error
   *   when retries run out on 429/5xx or network errors, system_error on other statuses.
   */
  getJson<T = unknown>(path: string, query?: Query): Promise<T>;
}

/** An answer worth another attempt: 429 or 5xx, with the wait its `Retry-After` asks, if any. */
class RetryableStatus extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, retryAfterMs: number | undefined) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The credentials were refreshed after a 401: try again at once. */
class Reauthenticated extends Error {}

/** Retries 429/5xx (waiting what `Retry-After` asks), a refreshed 401 and failures to reach the server; nothing else. */
function httpRetryPolicy({ error }: { error: unknown }): RetryDecision {
  if (error instanceof RetryableStatus) return error.retryAfterMs === undefined ? { retry: true } : { retry: true, retryAfterMs: error.retryAfterMs };
  if (error instanceof Reauthenticated) return { retry: true };
  // fetch rejects with a TypeError ("fetch failed") when the server cannot be reached or the connection drops.
  if (error instanceof TypeError && error.cause !== undefined) return { retry: true };
  return { retry: false };
}

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const send = <T>(request: () => Promise<T>) => (options.pacer ? options.pacer.run(request) : request());
  return {
    async getJson<T>(path: string, query: Query = {}): Promise<T> {
      const url = new URL(`${base}/${path.replace(/^\/+/, '')}`);
      for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
      let reauthenticated = false;
      return withRetry(
        async () => {
          const headers = { accept: 'application/json', ...options.headers, ...(await options.auth?.headers()) };
          const signal = options.retry?.signal;
          const response = await send(() => fetch(url, { headers, ...(signal ? { signal } : {}) }));
          if (response.status === 401 && !reauthenticated && options.auth?.invalidate()) {
            reauthenticated = true;
            throw new Reauthenticated('401: credentials refreshed');
          }
          if (response.status === 429 || response.status >= 500) {
            throw new RetryableStatus(`GET ${url.pathname}: HTTP ${response.status}`, parseRetryAfter(response.headers.get('retry-after')));
          }
          if (response.status === 401 || response.status === 403) {
            throw new ConnectorError(`GET ${url.pathname}: HTTP ${response.status}: the credentials are refused; check the config`, {
              failureType: 'config_error',
            });
          }
          if (!response.ok) {
            const body = (await response.text()).slice(0, 200);
            throw new ConnectorError(`GET ${url.pathname}: HTTP ${response.status}: ${body}`);
          }
          return (await response.json()) as T;
        },
        {
          ...options.retry,
          policy: httpRetryPolicy,
          giveUp: ({ error, attempt }) => {
            const what = error instanceof TypeError ? `cannot reach ${url.origin}: ${errorMessage(error.cause ?? error)}` : errorMessage(error);
            return new ConnectorError(`${what} (gave up after ${attempt} attempts; try again later)`, { failureType: 'transient_error', cause: error });
          },
        },
      );
    },
  };
}
