/** The Stripe source connector: `spec`, `check`, `discover`, `read` (Airbyte protocol). */
import type { AirbyteCatalog, AirbyteStream } from '@sync/protocol';
import { errorMessage, type Source } from '@sync/connector-kit';
import { createStripeClient, type ClientOptions } from './client.ts';
import { StripeSourceConfig } from './config.ts';
import { readStreams, type Clock } from './read.ts';
import { StreamUnavailableError, type StripeRetryOptions } from './retry.ts';
import { streamRecordSchema } from './schemas.ts';
import { incrementalMode, stripeStreams } from './streams.ts';
import { readWebhooks } from './webhooks.ts';

export interface StripeSourceOptions {
  /** How requests are retried; tests shorten the delays. Default DEFAULT_STRIPE_RETRY. */
  retry?: StripeRetryOptions;
  /** Overrides the request rate of every config (tests). */
  requestsPerSecond?: number;
  /**
   * Webhook deliveries to read instead of listing (`read --webhooks FILE|-`): NDJSON lines, see
   * webhooks.ts. Called once per read.
   */
  webhooks?: () => AsyncIterable<string>;
  /** Unix seconds, now (tests). */
  clock?: Clock;
}

let catalog: AirbyteCatalog | undefined;

/**
 * The streams this source offers (streams.ts): one per Stripe list endpoint, keyed by `id`; those
 * Stripe can report changes of (by events or by `created`) support incremental with cursor `created`.
 */
export function stripeCatalog(): AirbyteCatalog {
  catalog ??= {
    streams: stripeStreams().map((stream): AirbyteStream => {
      const incremental = incrementalMode(stream) !== undefined;
      return {
        name: stream.name,
        json_schema: streamRecordSchema(stream.name),
        supported_sync_modes: incremental ? ['full_refresh', 'incremental'] : ['full_refresh'],
        source_defined_cursor: true,
        ...(stream.hasCreated ? { default_cursor_field: ['created'] } : {}),
        source_defined_primary_key: [['id']],
        is_resumable: true,
      };
    }),
  };
  return catalog;
}

/** Builds the source; `stripeSource` is the one with default options. */
export function createStripeSource(options: StripeSourceOptions = {}): Source<StripeSourceConfig> {
  const clientOptions: ClientOptions = {
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.requestsPerSecond ? { requestsPerSecond: options.requestsPerSecond } : {}),
  };
  const clock: Clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  return {
    name: 'source-stripe',
    documentationUrl: 'https://docs.stripe.com/api',
    configSchema: StripeSourceConfig,
    async check(config) {
      try {
        await createStripeClient(config, clientOptions).get('/v1/account');
        return { status: 'SUCCEEDED' };
      } catch (error) {
        // A restricted key may not read the account, yet Stripe accepted it.
        if (error instanceof StreamUnavailableError) return { status: 'SUCCEEDED' };
        return { status: 'FAILED', message: errorMessage(error) };
      }
    },
    async discover() {
      return stripeCatalog();
    },
    read(input) {
      const client = createStripeClient(input.config, clientOptions);
      if (options.webhooks) return readWebhooks(input, options.webhooks(), client, clock);
      return readStreams(input, client, clock);
    },
  };
}

export const stripeSource: Source<StripeSourceConfig> = createStripeSource();
