/**
 * The faker source (like Airbyte's source-faker): deterministic records shaped like Stripe customers,
 * for tests and benchmarks. No network, no API: `read` only computes.
 *
 * Streams: `customers`, `customers_2`, … (`streams` of them), each with `count` records, keyed by
 * `id`, cursor `updated`. State per stream is `{"cursor": N}`: the next record index to emit. A read
 * handed a state resumes at that index, so a crash test can resume and compare with the source.
 */
import {
  log,
  record,
  streamState,
  streamStatus,
  type AirbyteCatalog,
  type AirbyteMessage,
  type ReadInput,
  type Source,
} from '@sync/protocol';
import { FakerSourceConfig } from './config.ts';
import { customerSchema, fakeCustomer, hash32 } from './customers.ts';

/** Stream names for `streams` streams: `customers`, `customers_2`, `customers_3`, … */
export function streamNames(streams: number): string[] {
  return Array.from({ length: streams }, (_, i) => (i === 0 ? 'customers' : `customers_${i + 1}`));
}

/** The catalog for `config`: every stream incremental on `updated`, keyed by `id`. */
export function fakerCatalog(config: FakerSourceConfig): AirbyteCatalog {
  return {
    streams: streamNames(config.streams).map((name) => ({
      name,
      json_schema: customerSchema,
      supported_sync_modes: ['full_refresh', 'incremental'],
      source_defined_cursor: true,
      default_cursor_field: ['updated'],
      source_defined_primary_key: [['id']],
      is_resumable: true,
    })),
  };
}

/** The seed hash of one stream: the same (seed, stream) always gives the same records. */
function streamSeed(config: FakerSourceConfig, stream: string): number {
  return hash32(`${config.seed}/${stream}`);
}

async function* read(input: ReadInput<FakerSourceConfig>): AsyncGenerator<AirbyteMessage> {
  const { config, catalog, state } = input;
  const known = new Set(streamNames(config.streams));
  for (const configured of catalog.streams) {
    const stream = configured.stream.name;
    if (!known.has(stream)) {
      yield log('WARN', `stream ${stream} is not a faker stream (streams: ${[...known].join(', ')}); skipped`);
      continue;
    }
    const seed = streamSeed(config, stream);
    const saved = state.get(stream)?.cursor;
    const start = typeof saved === 'number' && Number.isInteger(saved) && saved >= 0 ? Math.min(saved, config.count) : 0;
    yield streamStatus(stream, 'STARTED');
    let sinceState = 0;
    for (let index = start; index < config.count; index++) {
      yield record(stream, fakeCustomer(seed, index, config.record_bytes));
      if (++sinceState === config.state_every) {
        yield streamState(stream, { cursor: index + 1 }, sinceState);
        sinceState = 0;
      }
    }
    if (sinceState > 0 || start === config.count || config.count === 0) yield streamState(stream, { cursor: config.count }, sinceState);
    yield streamStatus(stream, 'COMPLETE');
  }
}

export const fakerSource: Source<FakerSourceConfig> = {
  name: 'source-faker',
  configSchema: FakerSourceConfig,
  async check() {
    return { status: 'SUCCEEDED' };
  },
  async discover(config) {
    return fakerCatalog(config);
  },
  read,
};
