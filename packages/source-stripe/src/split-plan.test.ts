import { describe, expect, it } from 'vitest';
import { estimate, idleSlots, nearEndSplit, partBounds, type RangeShape } from './split-plan.ts';

/** A range that read `read` objects over `seconds` seconds down to `lte`, and holds `gte`..`lte` still. */
const range = (gte: number, lte: number, read: number, seconds: number, inFlight = false): RangeShape => ({ gte, lte, inFlight, read, readTop: lte + seconds });

describe('split plan', () => {
  it('estimates what a range holds below its page in flight from its density, and nothing before it has read a page', () => {
    // 100 objects in 1,000 s: 0.1 a second.
    expect(estimate(range(0, 10_000, 100, 1_000), 0, 100)).toMatchObject({ lo: 0, top: 10_000, objects: 1_000, oldest: false });
    expect(estimate(range(0, 10_000, 100, 1_000, true), 0, 100)).toMatchObject({ top: 9_000, objects: 900 });
    // Aimed above the floor; the oldest range counts the seconds above the floor only.
    expect(estimate(range(0, 10_000, 100, 1_000), 5_000, 100)).toMatchObject({ lo: 5_000, objects: 500, oldest: true });
    expect(estimate({ gte: 0, lte: 10_000, inFlight: false, read: 0, readTop: undefined }, 0, 100)).toBeUndefined();
  });

  it('sizes each part but the oldest to whole pages less a margin, newest first, within the range', () => {
    const e = estimate(range(0, 100_000, 100, 1_000), 0, 100)!; // 10,000 objects, 100 pages
    const bounds = partBounds(e, 4, 100);
    expect(bounds).toHaveLength(3);
    // 25 pages less 0.15 a part: 2,485 objects, 24,850 s.
    expect(bounds).toEqual([100_001 - 24_850, 100_001 - 2 * 24_850, 100_001 - 3 * 24_850]);
    // Under a page a part: equal spans, each at least a second, above `lo`.
    expect(partBounds(estimate(range(10, 14, 150, 3), 0, 100)!, 3, 100)).toEqual([14, 13]);
  });

  it('counts the request slots ranges leave idle, round trip by round trip', () => {
    expect(idleSlots([3, 3, 3, 3], 4)).toBe(0);
    expect(idleSlots([6, 2, 2], 4)).toBe(2 * 1 + 4 * 3);
    expect(idleSlots([Number.POSITIVE_INFINITY, 2], 3)).toBe(2);
  });

  it('near the end, splits the range that would read alone, not one whose split saves nothing, nor the oldest, nor before the others are about to end', () => {
    const trailing = [range(50_000, 60_000, 100, 100, true), range(40_000, 40_200, 100, 100, true), range(30_000, 30_200, 100, 100, true)].map((r) => estimate(r, 0, 100));
    expect(nearEndSplit(trailing, 4, 100)?.range).toBe(trailing[0]!.range);
    const even = [range(50_000, 50_400, 100, 100, true), range(40_000, 40_400, 100, 100, true), range(30_000, 30_400, 100, 100, true), range(20_000, 20_400, 100, 100, true)].map((r) => estimate(r, 0, 100));
    expect(nearEndSplit(even, 4, 100)).toBeUndefined();
    const oldest = [range(0, 60_000, 100, 100, true), range(40_000, 40_200, 100, 100, true)].map((r) => estimate(r, 50_000, 100));
    expect(nearEndSplit(oldest, 4, 100)).toBeUndefined();
    // Another range has ten round trips left: when it ends, filling its slot splits the largest.
    const early = [range(50_000, 60_000, 100, 100, true), range(40_000, 41_000, 100, 100, true), range(30_000, 30_200, 100, 100, true)].map((r) => estimate(r, 0, 100));
    expect(nearEndSplit(early, 4, 100)).toBeUndefined();
    // A range not read yet counts as reading to the end.
    expect(nearEndSplit([...trailing, undefined], 4, 100)).toBeUndefined();
  });
});
