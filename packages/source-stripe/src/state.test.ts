import { describe, expect, it } from 'vitest';
import { MAX_BOUNDARY_IDS, Pass, parseStreamState, type StripeStreamState } from './state.ts';

type Row = [id: string, created: number];

/** Feeds `rows` (newest first, as Stripe lists) to a pass; returns what it emitted and the states. */
function feed(start: StripeStreamState, rows: Row[]) {
  const pass = new Pass(start);
  const emitted = rows.filter(([id, created]) => pass.see(id, created)).map(([id]) => id);
  return { emitted, inProgress: pass.inProgress(), completed: pass.completed(), created: pass.created };
}

describe('Pass', () => {
  const rows: Row[] = [['e', 50], ['d', 40], ['c', 40], ['b', 30], ['a', 20]];

  it('reads everything on a first run and ends with the newest second as cursor', () => {
    const { emitted, completed, created } = feed({}, rows);
    expect(created).toBeUndefined();
    expect(emitted).toEqual(['e', 'd', 'c', 'b', 'a']);
    expect(completed).toEqual({ cursor: 50, cursor_ids: ['e'] });
  });

  it('checkpoints mid-pass with the boundary second and resumes without re-emitting it', () => {
    const half = feed({}, rows.slice(0, 2)).inProgress;
    expect(half).toEqual({ backfill: { high_water: 50, high_water_ids: ['e'], created_lte: 40, created_lte_ids: ['d'] } });
    // Resuming lists created[lte]=40 from the top: d (already emitted) and its tie c come back.
    const resumed = feed(half, rows.slice(1));
    expect(resumed.created).toEqual({ lte: 40 });
    expect(resumed.emitted).toEqual(['c', 'b', 'a']);
    expect(resumed.completed).toEqual({ cursor: 50, cursor_ids: ['e'] });
  });

  it('after completion reads from the cursor second, skipping only what was emitted there', () => {
    const start = { cursor: 50, cursor_ids: ['e'] };
    const later = feed(start, [['g', 70], ['f', 50], ['e', 50]]);
    expect(later.created).toEqual({ gte: 50 });
    expect(later.emitted).toEqual(['g', 'f']);
    expect(later.completed).toEqual({ cursor: 70, cursor_ids: ['g'] });
    const sameSecond = feed(start, [['f', 50], ['e', 50]]);
    expect(sameSecond.completed).toEqual({ cursor: 50, cursor_ids: ['f', 'e'] });
    expect(feed(start, [['e', 50]])).toMatchObject({ emitted: [], completed: start });
    expect(feed(start, [])).toMatchObject({ emitted: [], completed: start });
  });

  it('resumes an incremental pass within both bounds', () => {
    const start = { cursor: 10, cursor_ids: ['x'], backfill: { high_water: 50, high_water_ids: ['e'], created_lte: 30, created_lte_ids: ['b'] } };
    const { created, emitted, completed } = feed(start, [['b', 30], ['a', 20], ['x', 10], ['w', 10]]);
    expect(created).toEqual({ gte: 10, lte: 30 });
    expect(emitted).toEqual(['a', 'w']);
    expect(completed).toEqual({ cursor: 50, cursor_ids: ['e'] });
  });

  it('caps the ids of a crowded second, re-emitting rather than skipping past the cap', () => {
    const crowd: Row[] = Array.from({ length: MAX_BOUNDARY_IDS + 5 }, (_, i) => [`id${String(i).padStart(3, '0')}`, 99]);
    const state = feed({}, crowd).inProgress;
    expect(state.backfill!.created_lte_ids).toHaveLength(MAX_BOUNDARY_IDS);
    expect(feed(state, crowd).emitted).toEqual(crowd.slice(MAX_BOUNDARY_IDS).map(([id]) => id));
  });
});

describe('parseStreamState', () => {
  it('accepts what the source writes and an absent state', () => {
    expect(parseStreamState('customers', undefined)).toEqual({});
    expect(parseStreamState('customers', { cursor: 5, cursor_ids: ['a'] })).toEqual({ cursor: 5, cursor_ids: ['a'] });
  });

  it('refuses anything else as a config error naming the stream', () => {
    expect(() => parseStreamState('customers', { cursor: '2024-01-01' })).toThrow(/saved state of stream customers .*reset/);
  });
});
