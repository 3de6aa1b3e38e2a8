import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleTimer } from './idle-timer.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('IdleTimer', () => {
  it('fires once when it stays armed for its time', () => {
    const onIdle = vi.fn();
    const timer = new IdleTimer(1_000, onIdle);
    timer.arm();
    vi.advanceTimersByTime(999);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    expect(timer.fired).toBe(true);
    timer.arm();
    vi.advanceTimersByTime(5_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('counts only while armed, and again from each touch', () => {
    const onIdle = vi.fn();
    const timer = new IdleTimer(1_000, onIdle);
    timer.arm();
    vi.advanceTimersByTime(800);
    timer.disarm();
    vi.advanceTimersByTime(5_000);
    timer.touch(); // disarmed: stays disarmed
    vi.advanceTimersByTime(5_000);
    expect(onIdle).not.toHaveBeenCalled();
    timer.arm();
    vi.advanceTimersByTime(800);
    timer.touch();
    vi.advanceTimersByTime(800);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(200);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('never fires when stopped, or when its time is 0 (no limit)', () => {
    const onIdle = vi.fn();
    const stopped = new IdleTimer(1_000, onIdle);
    stopped.arm();
    stopped.stop();
    stopped.arm();
    const unlimited = new IdleTimer(0, onIdle);
    unlimited.arm();
    vi.advanceTimersByTime(10_000_000);
    expect(onIdle).not.toHaveBeenCalled();
  });
});
