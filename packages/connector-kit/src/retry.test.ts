import { describe, expect, it } from 'vitest';
import { parseRetryAfter, withRetry, type RetryPolicy } from './retry.ts';

class Busy extends Error {
  readonly retryAfterMs: number | undefined;
  constructor(retryAfterMs?: number) {
    super('busy');
    this.retryAfterMs = retryAfterMs;
  }
}

/** Retries `Busy` (waiting its Retry-After), nothing else. */
const busyPolicy: RetryPolicy = ({ error }) =>
  error instanceof Busy ? (error.retryAfterMs === undefined ? { retry: true } : { retry: true, retryAfterMs: error.retryAfterMs }) : { retry: false };

/** An attempt that throws `failures` in turn, then resolves 'ok'; counts its calls. */
function attempts(failures: unknown[]) {
  const calls: number[] = [];
  return {
    calls,
    run: async (n: number) => {
      calls.push(n);
      if (failures.length > 0) throw failures.shift();
      return 'ok';
    },
  };
}

describe('parseRetryAfter', () => {
  it('reads seconds or an HTTP date, and nothing else', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('1.5')).toBe(1500);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(new Date(1_000).toUTCString(), 4_000)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('withRetry', () => {
  it('retries what the policy retries until it succeeds', async () => {
    const attempt = attempts([new Busy(), new Busy()]);
    await expect(withRetry(attempt.run, { policy: busyPolicy, baseDelayMs: 1 })).resolves.toBe('ok');
    expect(attempt.calls).toEqual([1, 2, 3]);
  });

  it('makes maxAttempts attempts in all, then throws what giveUp makes of the last failure', async () => {
    const last = new Busy();
    const attempt = attempts([new Busy(), new Busy(), last, new Busy()]);
    const error = await withRetry(attempt.run, {
      policy: busyPolicy,
      maxAttempts: 3,
      baseDelayMs: 1,
      giveUp: ({ error, attempt: n }) => new Error(`gave up after ${n} attempts`, { cause: error }),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'gave up after 3 attempts', cause: last });
    expect(attempt.calls).toEqual([1, 2, 3]);
    // Without giveUp, the last failure itself.
    const again = attempts([new Busy(), last]);
    await expect(withRetry(again.run, { policy: busyPolicy, maxAttempts: 2, baseDelayMs: 1 })).rejects.toBe(last);
  });

  it('stops at once on a failure the policy does not retry, with the error it names or the failure itself', async () => {
    const fatal = new Error('bad request');
    const attempt = attempts([fatal]);
    await expect(withRetry(attempt.run, { policy: busyPolicy, baseDelayMs: 1 })).rejects.toBe(fatal);
    expect(attempt.calls).toEqual([1]);
    const replaced = new Error('check the config');
    await expect(withRetry(attempts([fatal]).run, { policy: () => ({ retry: false, error: replaced }) })).rejects.toBe(replaced);
    // A TypeError is the policy's call too (p-retry alone would never retry one).
    const typeError = new TypeError('not a network error');
    await expect(withRetry(attempts([typeError]).run, { policy: () => ({ retry: true }), baseDelayMs: 1 })).resolves.toBe('ok');
  });

  it('backs off exponentially with jitter between 1× and 2×, capped at maxDelayMs', async () => {
    const delays: number[] = [];
    const attempt = attempts([new Busy(), new Busy(), new Busy()]);
    await withRetry(attempt.run, { policy: busyPolicy, baseDelayMs: 8, maxDelayMs: 20, onRetry: ({ delayMs }) => delays.push(delayMs) });
    expect(delays).toHaveLength(3);
    expect(delays[0]).toBeGreaterThanOrEqual(8);
    expect(delays[0]).toBeLessThanOrEqual(16);
    expect(delays[1]).toBeGreaterThanOrEqual(16);
    expect(delays[1]).toBeLessThanOrEqual(20);
    expect(delays[2]).toBe(20);
  });

  it('waits at least what Retry-After asks, up to maxRetryAfterMs', async () => {
    const delays: number[] = [];
    const attempt = attempts([new Busy(300), new Busy(60_000)]);
    const started = performance.now();
    await withRetry(attempt.run, { policy: busyPolicy, baseDelayMs: 1, maxRetryAfterMs: 400, onRetry: ({ delayMs }) => delays.push(delayMs) });
    expect(delays).toEqual([300, 400]);
    // Only a lower bound: a busy machine may take longer, never shorter.
    expect(performance.now() - started).toBeGreaterThanOrEqual(690);
  });

  it('gives up at once when Retry-After reaches past the deadline, and stops retrying at the deadline', async () => {
    const attempt = attempts([new Busy(60_000)]);
    const error = await withRetry(attempt.run, { policy: busyPolicy, deadlineMs: 1_000, maxRetryAfterMs: 120_000, giveUp: () => new Error('out of time') }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'out of time' });
    expect(attempt.calls).toEqual([1]);
    const forever = attempts(Array.from({ length: 1_000 }, () => new Busy()));
    await expect(withRetry(forever.run, { policy: busyPolicy, maxAttempts: 1_000, baseDelayMs: 20, deadlineMs: 50 })).rejects.toBeInstanceOf(Busy);
    expect(forever.calls.length).toBeLessThan(1_000);
  });

  it('stops when its signal is aborted, with the signal’s reason, even in the middle of a wait', async () => {
    const controller = new AbortController();
    const reason = new Error('the run was interrupted');
    const attempt = attempts([new Busy(60_000), new Busy()]);
    const outcome = withRetry(attempt.run, { policy: busyPolicy, signal: controller.signal, onRetry: () => controller.abort(reason) });
    await expect(outcome).rejects.toBe(reason);
    expect(attempt.calls).toEqual([1]);
    await expect(withRetry(attempt.run, { policy: busyPolicy, signal: controller.signal })).rejects.toBe(reason);
    expect(attempt.calls).toEqual([1]);
  });

  it('does not retry when the policy throws: the policy’s error is thrown', async () => {
    const broken = new Error('policy bug');
    const attempt = attempts([new Busy()]);
    await expect(
      withRetry(attempt.run, {
        policy: () => {
          throw broken;
        },
      }),
    ).rejects.toBe(broken);
    expect(attempt.calls).toEqual([1]);
  });
});
