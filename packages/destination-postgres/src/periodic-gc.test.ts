import { describe, expect, it } from 'vitest';
import { PeriodicGc, RECORDS_PER_COLLECTION } from './periodic-gc.ts';

describe('PeriodicGc', () => {
  it('collects once every RECORDS_PER_COLLECTION records committed, counting across commits', () => {
    let collections = 0;
    const collector = new PeriodicGc(() => collections++);
    const perCommit = RECORDS_PER_COLLECTION / 5;
    for (let i = 0; i < 4; i++) collector.committed(perCommit);
    expect(collections).toBe(0);
    collector.committed(perCommit);
    expect(collections).toBe(1);
    for (let i = 0; i < 10; i++) collector.committed(perCommit);
    expect(collections).toBe(3);
  });

  it('does nothing when Node does not expose gc', () => {
    const collector = new PeriodicGc(undefined);
    expect(() => collector.committed(10 * RECORDS_PER_COLLECTION)).not.toThrow();
  });
});
