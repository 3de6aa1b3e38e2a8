import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads ms, s, m and h, and a bare number as seconds', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1.5')).toBe(1_500);
    expect(parseDuration('0')).toBe(0);
  });

  it('refuses anything else, saying what it expects', () => {
    for (const text of ['', 'ten minutes', '-1s', '5d', '1m30s']) {
      expect(() => parseDuration(text)).toThrow(`'${text}' is not a duration (say 30s, 10m, 1h or 500ms)`);
    }
  });
});

describe('formatDuration', () => {
  it('uses the largest units that fit', () => {
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(600_000)).toBe('10m');
    expect(formatDuration(90_000)).toBe('1m 30s');
    expect(formatDuration(7_200_000)).toBe('2h');
  });
});
