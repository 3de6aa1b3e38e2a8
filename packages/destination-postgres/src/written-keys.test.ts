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

describe('WrittenKeys past one table of 2^20 slots', () => {
  it('keeps every key and mark across its tables, and updates a key where it is', () => {
    const keys = new WrittenKeys();
    const n = 1_000_000;
    for (let i = 0; i < n; i++) keys.set(`k${i}`, i % 1000, true);
    // Keys of the first table (filled before the second was added) take a new mark in place.
    keys.set('k3', 5, false);
    expect(keys.get('k3')).toEqual({ batch: 5, direct: false });
    for (let i = 0; i < n; i += 997) if (i !== 3) expect(keys.get(`k${i}`)).toEqual({ batch: i % 1000, direct: true });
    let unknownSeen = 0;
    for (let i = 0; i < 100_000; i++) if (keys.get(`x${i}`) !== undefined) unknownSeen++;
    expect(unknownSeen).toBe(0);
  });
});
