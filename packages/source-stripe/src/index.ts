export { createStripeSource, stripeSource, stripeCatalog, type StripeSourceOptions } from './source.ts';
export { StripeSourceConfig, DEFAULT_BASE_URL } from './config.ts';
export { StripeStreamState, MAX_BOUNDARY_IDS, parseStreamState } from './state.ts';
export { DEFAULT_RETRY_POLICY, withRetries, backoffMs, type RetryPolicy } from './retry.ts';
export { createStripeClient, type StripeClient } from './client.ts';
export { STREAM_NAMES, type ListParams, type ListPage } from './streams.ts';
