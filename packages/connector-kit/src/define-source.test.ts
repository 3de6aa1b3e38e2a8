import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { configureCatalog, type AirbyteMessage } from '@sync/protocol';
import type { StreamStates } from './state.ts';
import { defineSource, type Row } from './define-source.ts';
import { cursorPagination, offsetPagination, pageNumberPagination, type Pagination } from './pagination.ts';

/** 7 rows with ids 1..7 and `updated` 101..107, served by whichever pagination the stream uses. */
const rows: Row[] = Array.from({ length: 7 }, (_, i) => ({ id: String(i + 1), updated: 101 + i }));

/** `lazy`: each page's records come from a generator, each made as it is read (counted in `lazy.made`). */
function sourceWith(pagination: Pagination, requests: string[] = [], lazy?: { made: number }) {
  return defineSource({
    name: 'source-test',
    configSchema: z.object({}),
    context: () => undefined,
    streams: [
      {
        name: 'items',
        jsonSchema: { type: 'object' },
        primaryKey: ['id'],
        cursorField: 'updated',
        pagination,
        pageSize: 3,
        async fetchPage({ position, limit, since }) {
          requests.push(JSON.stringify(position));
          const visible = rows.filter((r) => since === undefined || (r.updated as number) >= (since as number));
          const start = position.cursor ? visible.findIndex((r) => r.id === position.cursor) + 1 : position.offset ?? ((position.page ?? 1) - 1) * limit;
          const records = visible.slice(start, start + limit);
          const nextCursor = start + limit < visible.length ? String(records.at(-1)?.id) : undefined;
          if (!lazy) return { records, nextCursor };
          const made = function* () {
            for (const record of records) {
              lazy.made++;
              yield record;
            }
          };
          return { records: made(), nextCursor };
        },
      },
    ],
  });
}

async function read(source: ReturnType<typeof sourceWith>, state: StreamStates = new Map()): Promise<AirbyteMessage[]> {
  const catalog = configureCatalog(await source.discover({}));
  const out: AirbyteMessage[] = [];
  for await (const message of source.read({ config: {}, catalog, state })) out.push(message);
  return out;
}

const ids = (messages: AirbyteMessage[]) => messages.flatMap((m) => (m.type === 'RECORD' ? [m.record.data.id] : []));
const states = (messages: AirbyteMessage[]) => messages.flatMap((m) => (m.type === 'STATE' ? [m.state] : []));

describe('defineSource', () => {
  for (const [name, pagination] of [['cursor', cursorPagination()], ['page number', pageNumberPagination()], ['offset', offsetPagination()]] as const) {
    it(`reads every page with ${name} pagination, a STATE after each, between STREAM_STATUS STARTED and COMPLETE`, async () => {
      const messages = await read(sourceWith(pagination));
      expect(ids(messages)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
      expect(states(messages).map((s) => s.sourceStats?.recordCount)).toEqual([3, 3, 1]);
      expect(states(messages).at(-1)?.stream?.stream_state).toEqual({ cursor: 107 });
      const statuses = messages.flatMap((m) => (m.type === 'TRACE' ? [m.trace.stream_status?.status] : []));
      expect(statuses).toEqual(['STARTED', 'COMPLETE']);
    });
  }

  it('reads a page whose records are an iterable one record at a time, counting them for pagination', async () => {
    const lazy = { made: 0 };
    const source = sourceWith(offsetPagination(), [], lazy);
    const catalog = configureCatalog(await source.discover({}));
    const out: AirbyteMessage[] = [];
    for await (const message of source.read({ config: {}, catalog, state: new Map() })) {
      // The record just emitted is the last one made: none is made ahead of its turn.
      if (message.type === 'RECORD') expect(lazy.made).toBe(ids(out).length + 1);
      out.push(message);
    }
    const eager = await read(sourceWith(offsetPagination()));
    expect(ids(out)).toEqual(ids(eager));
    expect(states(out)).toEqual(states(eager));
    expect(states(out).map((s) => s.stream?.stream_state)).toEqual([
      { pass: { position: { offset: 3 }, high_water: 103 } },
      { pass: { position: { offset: 6 }, high_water: 106 } },
      { cursor: 107 },
    ]);
  });

  it('resumes on the page a previous run stopped at', async () => {
    const first = states(await read(sourceWith(offsetPagination())));
    const midPass = first[0]!.stream!.stream_state!;
    expect(midPass).toEqual({ pass: { position: { offset: 3 }, high_water: 103 } });
    const requests: string[] = [];
    const resumed = await read(sourceWith(offsetPagination(), requests), new Map([['items', midPass]]));
    expect(ids(resumed)).toEqual(['4', '5', '6', '7']);
    expect(requests[0]).toBe('{"offset":3}');
    expect(states(resumed).at(-1)?.stream?.stream_state).toEqual({ cursor: 107 });
  });

  it('an incremental read passes `since` and drops older records; a future cursor yields none', async () => {
    const again = await read(sourceWith(pageNumberPagination()), new Map([['items', { cursor: 106 }]]));
    expect(ids(again)).toEqual(['6', '7']);
    const future = await read(sourceWith(pageNumberPagination()), new Map([['items', { cursor: 10_000 }]]));
    expect(ids(future)).toEqual([]);
    expect(states(future)).toHaveLength(1);
  });

  it('a failing page ends the stream INCOMPLETE and the read with the error', async () => {
    const source = defineSource({
      name: 'source-broken',
      configSchema: z.object({}),
      context: () => undefined,
      streams: [{ name: 'x', jsonSchema: {}, pagination: cursorPagination(), fetchPage: async () => Promise.reject(new Error('boom')) }],
    });
    const seen: AirbyteMessage[] = [];
    const catalog = configureCatalog(await source.discover({}));
    await expect(async () => {
      for await (const m of source.read({ config: {}, catalog, state: new Map() })) seen.push(m);
    }).rejects.toThrow('boom');
    expect(seen.map((m) => (m.type === 'TRACE' ? m.trace.stream_status?.status : m.type))).toEqual(['STARTED', 'INCOMPLETE']);
    expect(await source.check({})).toMatchObject({ status: 'FAILED', message: expect.stringContaining('boom') });
  });
});

describe('defineSource, unique cursors', () => {
  it('resumes strictly after a unique cursor and at a shared one', async () => {
    const rows = [1, 2, 3, 4].map((n) => ({ id: `r${n}`, seq: n }));
    const make = (uniqueCursor: boolean) =>
      defineSource<Record<string, never>, undefined>({
        name: 'source-seq',
        configSchema: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
        context: () => undefined,
        streams: [
          {
            name: 'rows',
            jsonSchema: { type: 'object' },
            primaryKey: ['id'],
            cursorField: 'seq',
            uniqueCursor,
            pagination: offsetPagination(),
            pageSize: 10,
            fetchPage: async () => ({ records: rows }),
          },
        ],
      });
    const ids = async (uniqueCursor: boolean) => {
      const source = make(uniqueCursor);
      const catalog = configureCatalog(await source.discover({}));
      const out: string[] = [];
      for await (const m of source.read({ config: {}, catalog, state: new Map([['rows', { cursor: 2 }]]) })) {
        if (m.type === 'RECORD') out.push(String(m.record.data.id));
      }
      return out;
    };
    expect(await ids(true)).toEqual(['r3', 'r4']);
    expect(await ids(false)).toEqual(['r2', 'r3', 'r4']);
  });
});
