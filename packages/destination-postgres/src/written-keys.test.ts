import { describe, expect, it } from 'vitest';
import { WrittenKeys } from './written-keys.ts';

describe('WrittenKeys', () => {
  it('keeps the batch and direct flag of every key it is given, through its growth', () => {
    const keys = new WrittenKeys();
    for (let i = 0; i < 200_000; i++) keys.set(`cus_${i}`, i % 3000, i % 2 === 0);
    for (let i = 0; i < 200_000; i += 7) expect(keys.get(`cus_${i}`)).toEqual({ batch: i % 3000, direct: i % 2 === 0 });
    // A later write of a key takes its new mark.
    keys.set('cus_7', 4000, false);
    expect(keys.get('cus_7')).toEqual({ batch: 4000, direct: false });
    let unknownSeen = 0;
    for (let i = 0; i < 200_000; i++) if (keys.get(`other_${i}`) !== undefined) unknownSeen++;
    expect(unknownSeen).toBe(0);
    expect(keys.full).toBe(false);
  });

  it('reports every key seen once a batch number no longer fits a mark', () => {
    const keys = new WrittenKeys();
    keys.set('a', 0x7fff, true);
    expect(keys.get('a')).toEqual({ batch: 0x7fff, direct: true });
    keys.set('b', 0x8000, true);
    expect(keys.full).toBe(true);
    expect(keys.get('never')).toEqual({ batch: -1, direct: false });
  });
});
