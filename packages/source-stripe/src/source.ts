/** The Stripe source connector: `spec`, `check`, `discover`, `read` (Airbyte protocol). */
import { errorMessage, type AirbyteCatalog, type Source } from '@sync/protocol';
import { createStripeClient } from './client.ts';
import { StripeSourceConfig } from './config.ts';
import { readStreams } from './read.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.ts';
import { streamSchemas } from './schema.ts';
import { STREAM_NAMES } from './streams.ts';

export interface StripeSourceOptions {
  /** How requests are retried; tests shorten the delays. Default DEFAULT_RETRY_POLICY. */
  retry?: RetryPolicy;
}

/** The streams this source offers: one per Stripe resource, incremental on `created`, keyed by `id`. */
export function stripeCatalog(): AirbyteCatalog {
  const schemas = streamSchemas();
  return {
    streams: STREAM_NAMES.map((name) => ({
      name,
      json_schema: schemas[name] ?? { type: 'object' },
      supported_sync_modes: ['full_refresh', 'incremental'],
      source_defined_cursor: true,
      default_cursor_field: ['created'],
      source_defined_primary_key: [['id']],
      is_resumable: true,
    })),
  };
}

/** Builds the source; `stripeSource` is the one with default options. */
export function createStripeSource(options: StripeSourceOptions = {}): Source<StripeSourceConfig> {
  const policy = options.retry ?? DEFAULT_RETRY_POLICY;
  return {
    name: 'source-stripe',
    documentationUrl: 'https://docs.stripe.com/api',
    configSchema: StripeSourceConfig,
    async check(config) {
      try {
        await createStripeClient(config, policy).list('customers', { limit: 1 });
        return { status: 'SUCCEEDED' };
      } catch (error) {
        return { status: 'FAILED', message: errorMessage(error) };
      }
    },
    async discover() {
      return stripeCatalog();
    },
    read(input) {
      return readStreams(input, createStripeClient(input.config, policy));
    },
  };
}

export const stripeSource: Source<StripeSourceConfig> = createStripeSource();
