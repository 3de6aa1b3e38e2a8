/** append, overwrite and the replay guard, through the `write` command. */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import type { AirbyteMessage, ConfiguredAirbyteStream } from '@sync/protocol';
import { planTables } from './tables.ts';
import { catalogOf, configuredStream, countOf, recordLine, rowsOf, runWrite, stateLine, useTestSchema } from './test-support.ts';

const db = useTestSchema();
const { config, schema } = db;

function withMode(stream: ConfiguredAirbyteStream, mode: ConfiguredAirbyteStream['destination_sync_mode']): ConfiguredAirbyteStream {
  return { ...stream, destination_sync_mode: mode };
}

const complete = (stream: string): AirbyteMessage => ({
  type: 'TRACE',
  trace: { type: 'STREAM_STATUS', emitted_at: 1, stream_status: { stream_descriptor: { name: stream }, status: 'COMPLETE' } },
});

const states = (output: AirbyteMessage[]) => output.filter((m) => m.type === 'STATE');

describe('append', () => {
  it('keeps every version of a record, with no primary key constraint', async () => {
    const catalog = catalogOf(withMode(configuredStream('appended'), 'append'));
    const messages = [recordLine('appended', { id: 'a', updated: 1 }), recordLine('appended', { id: 'a', updated: 2 }), stateLine('appended', 2, 2)];
    expect((await runWrite({ config, catalog, messages })).code).toBe(0);
    expect(await countOf(db.pool, schema, 'appended')).toBe(2);
  });

  it('refuses to append into a deduplicated table', async () => {
    const messages = [recordLine('switched', { id: 'a', updated: 1 }), stateLine('switched', 1)];
    expect((await runWrite({ config, catalog: catalogOf(configuredStream('switched')), messages })).code).toBe(0);
    const result = await runWrite({ config, catalog: catalogOf(withMode(configuredStream('switched'), 'append')), messages });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/config_error: table .*switched.* has primary key \(id\) but stream 'switched' in append mode needs no primary key/);
  });
});

describe('replay guard', () => {
  it('does not apply a batch twice when its STATE is replayed after a crash, even in append mode', async () => {
    const catalog = catalogOf(withMode(configuredStream('replayed'), 'append'));
    const batch = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => recordLine('replayed', { id: `r${from + i}`, updated: from + i }));
    const first = [...batch(0, 3), stateLine('replayed', 3, 3), ...batch(3, 5), stateLine('replayed', 5, 2)];
    expect((await runWrite({ config, catalog, messages: first })).code).toBe(0);
    // The engine kept only the first state: the source replays from there, then goes on.
    const second = [...batch(3, 5), stateLine('replayed', 5, 2), ...batch(5, 6), stateLine('replayed', 6, 1)];
    const result = await runWrite({ config, catalog, messages: second });
    expect(result.code).toBe(0);
    expect(states(result.output).map((m) => m.type === 'STATE' && m.state.destinationStats)).toEqual([{ recordCount: 2 }, { recordCount: 1 }]);
    expect(result.output.some((m) => m.type === 'LOG' && /already committed/.test(m.log.message))).toBe(true);
    expect((await rowsOf(db.pool, schema, 'replayed')).map((r) => r.key)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('applies a batch whose records differ even if its state repeats', async () => {
    const catalog = catalogOf(withMode(configuredStream('same_state'), 'append'));
    expect((await runWrite({ config, catalog, messages: [recordLine('same_state', { id: 'a', updated: 1 }), stateLine('same_state', 1)] })).code).toBe(0);
    expect((await runWrite({ config, catalog, messages: [recordLine('same_state', { id: 'b', updated: 1 }), stateLine('same_state', 1)] })).code).toBe(0);
    expect(await countOf(db.pool, schema, 'same_state')).toBe(2);
  });
});

describe('overwrite', () => {
  const catalog = catalogOf(withMode(configuredStream('plans'), 'overwrite'));
  const load = (ids: string[], completed: boolean): AirbyteMessage[] => [
    ...ids.map((id) => recordLine('plans', { id, updated: 1 })),
    stateLine('plans', ids.length, ids.length),
    ...(completed ? [complete('plans')] : []),
  ];

  it('replaces the table at the end, and acknowledges its states only then', async () => {
    expect((await runWrite({ config, catalog, messages: load(['a', 'b', 'c'], true) })).code).toBe(0);
    let countAtAck = -1;
    const result = await runWrite({
      config,
      catalog,
      messages: load(['x', 'y'], true),
      onMessage: async (m) => {
        if (m.type === 'STATE') countAtAck = await countOf(db.pool, schema, 'plans');
      },
    });
    expect(result.code).toBe(0);
    expect(countAtAck).toBe(2);
    expect((await rowsOf(db.pool, schema, 'plans')).map((r) => r.key)).toEqual(['x', 'y']);
    const shadows = await db.pool.query(`select 1 from pg_tables where schemaname = $1 and tablename like '\\_sync\\_shadow%'`, [schema]);
    expect(shadows.rowCount).toBe(0);
  });

  it('leaves the previous table intact when the full refresh does not complete', async () => {
    const result = await runWrite({ config, catalog, messages: load(['p', 'q', 'r', 's'], false) });
    expect(result.code).toBe(0);
    expect(states(result.output)).toEqual([]);
    expect(result.output.some((m) => m.type === 'LOG' && /did not complete/.test(m.log.message))).toBe(true);
    expect((await rowsOf(db.pool, schema, 'plans')).map((r) => r.key)).toEqual(['x', 'y']);
  });

  it('leaves the previous table intact when the destination fails mid-load', async () => {
    const messages = [...load(['m', 'n'], false), recordLine('unknown_stream', { id: 'z' })];
    const result = await runWrite({ config, catalog, messages });
    expect(result.code).toBe(1);
    expect((await rowsOf(db.pool, schema, 'plans')).map((r) => r.key)).toEqual(['x', 'y']);
    const { rows } = await db.pool.query(`select count(*)::int as n from ${pg.escapeIdentifier(schema)}.plans`);
    expect(rows).toEqual([{ n: 2 }]);
  });
});

describe('overwrite shadow tables', () => {
  const shadowsOf = async (s: string) =>
    (await db.pool.query<{ name: string }>(`select tablename as name from pg_tables where schemaname = $1 and tablename like '\\_sync\\_shadow\\_%' order by 1`, [s])).rows.map((r) => r.name);

  it('are unique per write, within the 63-byte identifier limit', () => {
    const longest = 's'.repeat(63);
    const catalog = catalogOf(withMode(configuredStream('plans'), 'overwrite'), withMode(configuredStream(longest), 'overwrite'));
    const [first, second] = [planTables(catalog, schema), planTables(catalog, schema)];
    expect(first.get('plans')!.shadowName).not.toBe(second.get('plans')!.shadowName);
    for (const table of first.values()) {
      expect(table.shadowName).toMatch(new RegExp(`^"${schema}"\\."_sync_shadow_[0-9a-f]{12}_[0-9a-f]{8}"$`));
    }
  });

  it('each write loads its own shadow; leftovers of dead writes are dropped, and an incomplete load leaves none', async () => {
    // A mixed catalog: the append_dedup stream's STATE is acknowledged at once, while the shadow exists.
    const catalog = catalogOf(withMode(configuredStream('tiers'), 'overwrite'), configuredStream('ticks'));
    const load = async (ids: string[], completed: boolean) => {
      let during: string[] = [];
      const result = await runWrite({
        config: { ...config, commit_interval_ms: 0 },
        catalog,
        messages: [
          ...ids.map((id) => recordLine('tiers', { id, updated: 1 })),
          recordLine('ticks', { id: ids[0]!, updated: 1 }),
          stateLine('ticks', 1, 1),
          ...(completed ? [complete('tiers')] : []),
        ],
        onMessage: async (m) => {
          if (m.type === 'STATE' && m.state.stream?.stream_descriptor.name === 'ticks') during = await shadowsOf(schema);
        },
      });
      expect(result.code, result.stderr).toBe(0);
      return during;
    };
    // Shadows a killed write left: one of this stream in the old fixed-name format, one of another stream.
    await db.pool.query(`create table ${pg.escapeIdentifier(schema)}."_sync_shadow_0123456789ab" (x int)`);
    await db.pool.query(`create table ${pg.escapeIdentifier(schema)}."_sync_shadow_ba9876543210_deadbeef" (x int)`);
    const first = await load(['t1', 't2'], true);
    const second = await load(['t3'], true);
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(1);
    expect(first[0]).not.toBe(second[0]);
    expect(await shadowsOf(schema)).toEqual([]);
    expect((await rowsOf(db.pool, schema, 'tiers')).map((r) => r.key)).toEqual(['t3']);

    await load(['t4'], false);
    expect(await shadowsOf(schema)).toEqual([]);
    expect((await rowsOf(db.pool, schema, 'tiers')).map((r) => r.key)).toEqual(['t3']);
  });
});
