/**
 * The faker source (like Airbyte's source-faker): deterministic records shaped like Stripe customers,
 * for tests and benchmarks. No network, no API: a "page" is computed. Written on the connector kit
 * (`@sync/connector-kit`): it declares its streams and one fetch function; the kit owns state,
 * STREAM_STATUS, a STATE after every page with `sourceStats`, resuming and incremental reads.
 *
 * Streams: `customers`, `customers_2`, … (`streams` of them), each with `count` records, keyed by
 * `id`, cursor `updated` (one second per record index, so it is unique). Pages are `state_every` records long and
 * use offset pagination, so the kit's state of a stream in progress is
 * `{"pass": {"position": {"offset": N}, "high_water": …}}`: a read handed it resumes at record N.
 */
import { defineSource, offsetPagination, type StreamDefinition } from '@sync/connector-kit';
import type { AirbyteCatalog } from '@sync/protocol';
import { FakerSourceConfig } from './config.ts';
import { customerSchema, fakeCustomer, hash32, indexAfter } from './customers.ts';

/** Stream names for `streams` streams: `customers`, `customers_2`, `customers_3`, … */
export function streamNames(streams: number): string[] {
  return Array.from({ length: streams }, (_, i) => (i === 0 ? 'customers' : `customers_${i + 1}`));
}

function fakerStreams(config: FakerSourceConfig): StreamDefinition<FakerSourceConfig, undefined>[] {
  return streamNames(config.streams).map((name) => {
    // The same (seed, stream) always gives the same records.
    const seed = hash32(`${config.seed}/${name}`);
    return {
      name,
      jsonSchema: customerSchema,
      primaryKey: ['id'],
      cursorField: 'updated',
      uniqueCursor: true,
      pagination: offsetPagination(),
      pageSize: config.state_every,
      async fetchPage({ position, limit, since }) {
        // Offsets count from the first record after the saved cursor, as an API filtering on it would.
        const first = typeof since === 'number' ? indexAfter(since) : 0;
        const start = first + (position.offset ?? 0);
        const end = Math.min(start + limit, config.count);
        // Made one at a time as the kit reads them: a page of 10,000 customers built up front
        // outlived the young generation and cost the collector more than making them.
        function* records() {
          for (let index = start; index < end; index++) yield fakeCustomer(seed, index, config.record_bytes);
        }
        return { records: records() };
      },
    };
  });
}

export const fakerSource = defineSource<FakerSourceConfig, undefined>({
  name: 'source-faker',
  configSchema: FakerSourceConfig,
  context: () => undefined,
  streams: fakerStreams,
  check: async () => ({ status: 'SUCCEEDED' }),
});

/** The catalog for `config`: every stream incremental on `updated`, keyed by `id`. */
export async function fakerCatalog(config: FakerSourceConfig): Promise<AirbyteCatalog> {
  return fakerSource.discover(config);
}
