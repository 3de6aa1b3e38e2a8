import { describe, expect, it } from 'vitest';
import { configureCatalog, type AirbyteMessage } from '@sync/protocol';
import { FakerSourceConfig } from './config.ts';
import { fakeCustomer, hash32 } from './customers.ts';
import { fakerCatalog, fakerSource, streamNames } from './source.ts';

async function readAll(raw: Record<string, unknown>, state = new Map<string, Record<string, unknown>>()): Promise<AirbyteMessage[]> {
  const config = FakerSourceConfig.parse(raw);
  const messages: AirbyteMessage[] = [];
  for await (const m of fakerSource.read({ config, catalog: configureCatalog(await fakerCatalog(config)), state })) messages.push(m);
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

  it('pads each customer to exactly record_bytes of JSON, whatever its values', () => {
    // fakeCustomer counts the JSON's length instead of serializing: this checks the count.
    for (const stream of ['customers', 'customers_2']) {
      const seed = hash32(`bench/${stream}`);
      for (let index = 0; index < 20_000; index += 7) {
        const customer = fakeCustomer(seed, index, 900 + (index % 300));
        expect(JSON.stringify(customer).length).toBe(900 + (index % 300));
      }
    }
    // Too small to pad: no description at all.
    expect(fakeCustomer(hash32('x'), 3, 200).description).toBe('');
  });

  it('emits a STATE every state_every records with source counts, and resumes from it', async () => {
    const all = await readAll({ count: 25, state_every: 10, streams: 2 });
    const offsets = (ms: AirbyteMessage[]) =>
      states(ms).map((s) => {
        const blob = s.stream?.stream_state as { pass?: { position: { offset: number } }; cursor?: number };
        return [s.stream?.stream_descriptor.name, blob.pass?.position.offset ?? 'complete', s.sourceStats?.recordCount];
      });
    expect(offsets(all)).toEqual([
      ['customers', 10, 10],
      ['customers', 20, 10],
      ['customers', 'complete', 5],
      ['customers_2', 10, 10],
      ['customers_2', 20, 10],
      ['customers_2', 'complete', 5],
    ]);
    // Resume each stream from its second checkpoint: only the records after it come again.
    const second = states(all).filter((s) => (s.stream?.stream_state as { pass?: { position: { offset: number } } }).pass?.position.offset === 20);
    const resumed = await readAll(
      { count: 25, state_every: 10, streams: 2 },
      new Map(second.map((s) => [s.stream!.stream_descriptor.name, s.stream!.stream_state!])),
    );
    const byStream = (ms: AirbyteMessage[], name: string) => records(ms).filter((r) => r.stream === name).map((r) => r.data);
    expect(byStream(resumed, 'customers')).toEqual(byStream(all, 'customers').slice(20));
    expect(byStream(resumed, 'customers_2')).toEqual(byStream(all, 'customers_2').slice(20));
  });

  it('reads only what is new from a completed state', async () => {
    const all = await readAll({ count: 25, state_every: 10 });
    const done = states(all).at(-1)!;
    const again = await readAll({ count: 30, state_every: 10 }, new Map([['customers', done.stream!.stream_state!]]));
    // The cursor is unique per record: exactly the five new ones, none again.
    expect(records(again).map((r) => r.data.id)).toEqual(records(await readAll({ count: 30, state_every: 10 })).slice(25).map((r) => r.data.id));
  });
});
