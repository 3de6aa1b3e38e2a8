export { createStripeSource, stripeSource, stripeCatalog, type StripeSourceOptions } from './source.ts';
export { StripeSourceConfig, DEFAULT_BASE_URL, STRIPE_READ_LIMITS, requestsPerSecond } from './config.ts';
export { StripeStreamState, MAX_BOUNDARY_IDS, parseStreamState } from './state.ts';
export { DEFAULT_STRIPE_RETRY, type StripeRetryOptions } from './retry.ts';
export { createStripeClient, type StripeClient } from './client.ts';
export { stripeStreams, incrementalMode, specApiVersion, type StreamDefinition } from './streams.ts';
export { signPayload, verifySignature } from './webhooks.ts';
export { EVENT_RETENTION_SECONDS } from './events.ts';
