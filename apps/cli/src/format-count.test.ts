import { describe, expect, it } from 'vitest';
import { formatCount } from './format-count.ts';

describe('formatCount', () => {
  it('groups digits as en-US does', () => {
    const en = new Intl.NumberFormat('en-US', { maximumFractionDigits: 20 });
    for (const n of [0, 1, 12, 123, 1234, 12345, 123456, 1234567, 1000000, 21429, 200000, -1, -1234, -123456789, 1234.5, 0.25]) {
      expect(formatCount(n)).toBe(en.format(n));
    }
  });
});
