import { describe, expect, it } from 'vitest';
import { parseStreamState } from './state.ts';

describe('parseStreamState', () => {
  it('accepts what the source writes and an absent state', () => {
    expect(parseStreamState('customers', undefined)).toEqual({});
    const written = {
      cursor: 5, cursor_ids: ['a'],
      pass: { high_water: 9, high_water_ids: ['z'], todo: [{ gte: 6, lte: 8, lte_ids: ['y'] }, { gte: 0, lte: 3 }] },
      events: { created: 100, id: 'evt_1', checked: 120 },
    };
    expect(parseStreamState('customers', written)).toEqual(written);
  });

  it('reads the legacy sequential backfill as a pass with one range', () => {
    const legacy = { cursor: 10, cursor_ids: ['x'], backfill: { high_water: 50, high_water_ids: ['e'], created_lte: 30, created_lte_ids: ['b'] } };
    expect(parseStreamState('customers', legacy)).toEqual({
      cursor: 10, cursor_ids: ['x'],
      pass: { high_water: 50, high_water_ids: ['e'], todo: [{ gte: 10, lte: 30, lte_ids: ['b'], gte_ids: ['x'] }] },
    });
  });

  it('refuses anything else as a config error naming the stream', () => {
    expect(() => parseStreamState('customers', { cursor: '2024-01-01' })).toThrow(/saved state of stream customers .*reset/);
    expect(() => parseStreamState('customers', { events: { id: 'evt_1' } })).toThrow(/saved state of stream customers/);
  });
});
