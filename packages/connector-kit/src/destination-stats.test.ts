import { expect, it } from 'vitest';
import { streamState } from './builders.ts';
import { RecordCounts, acknowledge } from './destination-stats.ts';

it('counts records per stream since its last STATE, and all of them for a GLOBAL or LEGACY state', () => {
  const counts = new RecordCounts();
  for (const stream of ['a', 'a', 'b', 'a']) counts.add(stream);
  expect(counts.take(streamState('a', {}, 3).state)).toBe(3);
  expect(counts.take(streamState('a', {}, 0).state)).toBe(0);
  counts.add('a');
  expect(counts.take({ data: { cursor: 1 } })).toBe(2);
  expect(counts.take({ data: { cursor: 2 } })).toBe(0);
});

it('acknowledges a STATE unchanged but for destinationStats', () => {
  const message = streamState('a', { cursor: 5 }, 2);
  expect(acknowledge(message, 2)).toEqual({ ...message, state: { ...message.state, destinationStats: { recordCount: 2 } } });
});
