/**
 * A small JSON HTTP client for sources: base URL, auth headers, retries on 429/5xx and network errors
 * honouring `Retry-After`, one re-authentication on 401, and errors that say what to do.
 */
import { ConnectorError } from './errors.ts';
import type { Auth } from './auth.ts';
import { parseRetryAfter, RetryableError, withRetry, type RetryOptions } from './retry.ts';

export interface HttpClientOptions {
  /** Prefix of every path, e.g. `https://api.example.com/v1`. */
  baseUrl: string;
  auth?: Auth;
  retry?: RetryOptions;
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

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  return {
    async getJson<T>(path: string, query: Query = {}): Promise<T> {
      const url = new URL(`${base}/${path.replace(/^\/+/, '')}`);
      for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
      let reauthenticated = false;
      try {
        return await withRetry(async () => {
          let response: Response;
          try {
            response = await fetch(url, { headers: { accept: 'application/json', ...options.headers, ...(await options.auth?.headers()) } });
          } catch (error) {
            throw new RetryableError(`cannot reach ${url.origin}: ${(error as Error).message}`, { cause: error });
          }
          if (response.status === 401 && !reauthenticated && options.auth?.invalidate()) {
            reauthenticated = true;
            throw new RetryableError('401: credentials refreshed', { retryAfterMs: 0 });
          }
          if (response.status === 429 || response.status >= 500) {
            const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
            throw new RetryableError(`GET ${url.pathname}: HTTP ${response.status}`, retryAfterMs === undefined ? {} : { retryAfterMs });
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
        }, options.retry);
      } catch (error) {
        if (error instanceof RetryableError) {
          throw new ConnectorError(`${error.message} (gave up after retries; try again later)`, { failureType: 'transient_error', cause: error });
        }
        throw error;
      }
    },
  };
}
