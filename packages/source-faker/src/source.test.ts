import { describe, expect, it } from 'vitest';
import { configureCatalog, type AirbyteMessage } from '@sync/protocol';
import { FakerSourceConfig } from './config.ts';
import { fakerCatalog, fakerSource, streamNames } from './source.ts';

async function readAll(raw: Record<string, unknown>, state = new Map<string, Record<string, unknown>>()): Promise<AirbyteMessage[]> {
  const config = FakerSourceConfig.parse(raw);
  const messages: AirbyteMessage[] = [];
  for await (const m of fakerSource.read({ config, catalog: configureCatalog(fakerCatalog(config)), state })) messages.push(m);
  return messages;
}

const records = (ms: AirbyteMessage[]) => ms.flatMap((m) => (m.type === 'RECORD' ? [m.record] : []));
const states = (ms: AirbyteMessage[]) => ms.flatMap((m) => (m.type === 'STATE' ? [m.state] : []));

describe('source-faker', () => {
  it('names streams customers, customers_2, …', () => {
    expect(streamNames(3)).toEqual(['customers', 'customers_2', 'customers_3']);
  });

  it('is deterministic from the seed, and records are about record_bytes', async () => {
    const a = records(await readAll({ count: 20, seed: 7, record_bytes: 800 }));
    const b = records(await readAll({ count: 20, seed: 7, record_bytes: 800 }));
    const c = records(await readAll({ count: 20, seed: 8, record_bytes: 800 }));
    expect(a.map((r) => r.data)).toEqual(b.map((r) => r.data));
    expect(a.map((r) => r.data)).not.toEqual(c.map((r) => r.data));
    expect(new Set(a.map((r) => r.data.id)).size).toBe(20);
    for (const r of a) expect(Math.abs(JSON.stringify(r.data).length - 800)).toBeLessThan(20);
  });

  it('emits a STATE every state_every records with source counts, and resumes from it', async () => {
    const all = await readAll({ count: 25, state_every: 10, streams: 2 });
    expect(states(all).map((s) => [s.stream?.stream_descriptor.name, s.stream?.stream_state, s.sourceStats?.recordCount])).toEqual([
      ['customers', { cursor: 10 }, 10],
      ['customers', { cursor: 20 }, 10],
      ['customers', { cursor: 25 }, 5],
      ['customers_2', { cursor: 10 }, 10],
      ['customers_2', { cursor: 20 }, 10],
      ['customers_2', { cursor: 25 }, 5],
    ]);
    const resumed = await readAll({ count: 25, state_every: 10, streams: 2 }, new Map([['customers', { cursor: 20 }], ['customers_2', { cursor: 25 }]]));
    expect(records(resumed).map((r) => r.data)).toEqual(records(all).slice(20, 25).map((r) => r.data));
    expect(states(resumed).map((s) => s.stream?.stream_state)).toEqual([{ cursor: 25 }, { cursor: 25 }]);
  });
});
