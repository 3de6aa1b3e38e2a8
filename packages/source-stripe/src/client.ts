/** A Stripe SDK client pointed at the configured base URL, and page fetching with retries. */
import Stripe from 'stripe';
import { ConfigError } from '@sync/protocol';
import type { StripeSourceConfig } from './config.ts';
import { DEFAULT_RETRY_POLICY, withRetries, type RetryPolicy } from './retry.ts';
import { STREAMS, type ListPage, type ListParams } from './streams.ts';

/** Per-request timeout, ms. Stripe answers list calls in well under a second. */
const REQUEST_TIMEOUT_MS = 60_000;

export interface StripeClient {
  /** Lists one page of `stream` (newest first), retrying as `RetryPolicy` says. */
  list(stream: string, params: ListParams): Promise<ListPage>;
}

/**
 * @throws ConfigError when `base_url` is not an http(s) URL without a path.
 */
export function createStripeClient(config: StripeSourceConfig, policy: RetryPolicy = DEFAULT_RETRY_POLICY): StripeClient {
  const url = new URL(config.base_url);
  if (url.pathname !== '/' || url.search) {
    throw new ConfigError(`base_url ${config.base_url} must be just scheme, host and port (such as https://api.stripe.com)`);
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  const stripe = new Stripe(config.api_key, {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port || (protocol === 'http' ? 80 : 443),
    protocol,
    maxNetworkRetries: 0,
    timeout: REQUEST_TIMEOUT_MS,
    telemetry: false,
    appInfo: { name: 'sync-engine source-stripe' },
  });
  return {
    list(stream, params) {
      const lister = STREAMS[stream];
      if (!lister) throw new ConfigError(`unknown stream ${stream}; available: ${Object.keys(STREAMS).join(', ')}`);
      return withRetries(() => lister(stripe, params), { what: `GET /v1/${stream}`, baseUrl: url.origin, stream }, policy);
    },
  };
}
