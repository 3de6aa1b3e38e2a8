import { expect, it } from 'vitest';
import { stateFileContent } from './state-file.ts';

it('hands per-stream states back as a list, a LEGACY state as its bare data, and nothing when empty', () => {
  const stream = { type: 'STREAM' as const, stream: { stream_descriptor: { name: 'a' }, stream_state: { c: 1 } } };
  expect(stateFileContent([])).toBeUndefined();
  expect(stateFileContent([stream])).toEqual([stream]);
  expect(stateFileContent([{ type: 'LEGACY', data: { cursor: 5 } }])).toEqual({ cursor: 5 });
  expect(stateFileContent([{ data: { cursor: 6 }, destinationStats: { recordCount: 1 } }])).toEqual({ cursor: 6 });
});
