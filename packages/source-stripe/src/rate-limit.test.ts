import { describe, expect, it } from 'vitest';
import { Semaphore, TokenBucket } from './rate-limit.ts';

describe('TokenBucket', () => {
  it('spaces requests 1/rate apart, in the order they ask, with a burst of its capacity', async () => {
    let now = 0;
    const bucket = new TokenBucket(25, 1, () => now);
    const due: number[] = [];
    const waits = Array.from({ length: 5 }, (_, i) => bucket.take().then(() => due.push(i)));
    await waits[0];
    expect(due).toEqual([0]);
    now = 1_000; // idle for a second: one token (capacity 1), not 25
    await Promise.all(waits);
    expect(due).toEqual([0, 1, 2, 3, 4]);
    const burst = new TokenBucket(10, 3, () => now);
    const immediate = await Promise.race([Promise.all([burst.take(), burst.take(), burst.take()]).then(() => 'now'), new Promise((r) => setTimeout(() => r('later'), 50))]);
    expect(immediate).toBe('now');
  });

  it('holds a steady rate under load', async () => {
    const bucket = new TokenBucket(200);
    const started = performance.now();
    await Promise.all(Array.from({ length: 41 }, () => bucket.take()));
    const elapsed = performance.now() - started;
    // 40 waits at 200/s: at least 195 ms. (Only the lower bound: a busy machine may take longer.)
    expect(elapsed).toBeGreaterThanOrEqual(195);
  });
});

describe('Semaphore', () => {
  it('lets `permits` through and queues the rest in order', async () => {
    const semaphore = new Semaphore(2);
    const order: number[] = [];
    await semaphore.acquire();
    await semaphore.acquire();
    const third = semaphore.acquire().then(() => order.push(3));
    const fourth = semaphore.acquire().then(() => order.push(4));
    semaphore.release();
    await third;
    semaphore.release();
    await fourth;
    expect(order).toEqual([3, 4]);
  });
});
