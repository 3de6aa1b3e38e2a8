import { describe, expect, it } from 'vitest';
import { createPacer } from './pacing.ts';

describe('createPacer', () => {
  it('never lets more than maxConcurrent requests run at once, and serves them in the order they came', async () => {
    const pacer = createPacer({ requestsPerSecond: Number.POSITIVE_INFINITY, maxConcurrent: 2 });
    let running = 0;
    let most = 0;
    const started: number[] = [];
    let open: () => void = () => {};
    const twoRunning = new Promise<void>((resolve) => (open = resolve));
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        pacer.run(async () => {
          started.push(i);
          most = Math.max(most, ++running);
          // The first two wait for each other, so the cap is reached, not just respected.
          if (running === 2) open();
          await twoRunning;
          running--;
          return i;
        }),
      ),
    );
    expect(results).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('spaces requests 1/rate apart', async () => {
    const pacer = createPacer({ requestsPerSecond: 100 });
    const started = performance.now();
    await Promise.all(Array.from({ length: 21 }, () => pacer.run(async () => {})));
    // 20 gaps of 10 ms (Date.now's 1 ms steps aside). Only a lower bound: a busy machine may take longer.
    expect(performance.now() - started).toBeGreaterThanOrEqual(180);
  });

  it('lets a burst start at once, then waits for the bucket to refill', async () => {
    const slow = createPacer({ requestsPerSecond: 1 / 3600, burst: 3 });
    const ran: number[] = [];
    const first = await Promise.all([0, 1, 2].map((i) => slow.run(async () => ran.push(i))));
    expect(first).toHaveLength(3);
    // One token an hour: the fourth cannot start before the pacer is stopped.
    const fourth = slow.run(async () => ran.push(3));
    await slow.stop();
    await expect(fourth).rejects.toThrow(/stopped before this request could start/);
    expect(ran).toEqual([0, 1, 2]);

    const refilled = createPacer({ requestsPerSecond: 100, burst: 2 });
    try {
      const started = performance.now();
      await Promise.all(Array.from({ length: 6 }, () => refilled.run(async () => {})));
      // Two at once, four more at 100/s: at least 40 ms, whatever the machine.
      expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    } finally {
      await refilled.stop();
    }
  });

  it('passes on what a request resolves or rejects with', async () => {
    const pacer = createPacer({ requestsPerSecond: 1_000, maxConcurrent: 1 });
    const failure = new Error('HTTP 500');
    await expect(pacer.run(async () => 'page')).resolves.toBe('page');
    await expect(
      pacer.run(async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    await expect(pacer.run(async () => 'next')).resolves.toBe('next');
  });

  it('refuses a rate, cap or burst that cannot work', () => {
    expect(() => createPacer({ requestsPerSecond: 0 })).toThrow(/rate must be > 0/);
    expect(() => createPacer({ requestsPerSecond: 1, maxConcurrent: 0 })).toThrow(/maxConcurrent must be ≥ 1/);
    expect(() => createPacer({ requestsPerSecond: 1, burst: 0 })).toThrow(/burst must be ≥ 1/);
  });
});
