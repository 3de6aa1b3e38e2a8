import { describe, expect, it } from 'vitest';
import type { ConfiguredAirbyteCatalog } from '@sync/protocol';
import { judgeLines } from './messages.ts';
import { analyzeRead, futureOf } from './read-analysis.ts';

const catalog: ConfiguredAirbyteCatalog = {
  streams: [
    {
      stream: { name: 'a', json_schema: { type: 'object', properties: { n: { type: 'integer' } } }, supported_sync_modes: ['incremental'] },
      sync_mode: 'incremental',
      destination_sync_mode: 'append',
      cursor_field: ['n'],
    },
  ],
};
const rec = (n: unknown) => ({ type: 'RECORD', record: { stream: 'a', data: { n }, emitted_at: 1 } });
const st = (n: number, count?: number) => ({
  type: 'STATE',
  state: { type: 'STREAM', stream: { stream_descriptor: { name: 'a' }, stream_state: { n } }, ...(count === undefined ? {} : { sourceStats: { recordCount: count } }) },
});
const lines = (values: unknown[]) => values.map((v, i) => ({ number: i + 1, text: typeof v === 'string' ? v : JSON.stringify(v), json: typeof v === 'string' ? undefined : v }));

describe('the read rules catch what they should', () => {
  it('a well-behaved read has no problems and ends with its last state', () => {
    const { messages, problems } = judgeLines(lines([rec(1), rec(2), st(2, 2), rec(3), st(3, 1)]));
    const analysis = analyzeRead(messages, catalog);
    expect([problems, analysis.recordProblems, analysis.stateProblems, analysis.statsProblems]).toEqual([[], [], [], []]);
    expect(analysis.maxCursor.get('a')).toBe(3);
    expect(analysis.lastStates).toEqual([st(3, 1).state]);
  });

  it('flags non-JSON lines, schema mismatches, repeated states, wrong counts and streams without state', () => {
    const { messages, problems } = judgeLines(lines(['hello from print()', { type: 'RECORD', record: { stream: 'a' } }, rec('x'), st(1, 5), rec(2), st(1)]));
    expect(problems).toHaveLength(2);
    const analysis = analyzeRead(messages, catalog);
    expect(analysis.recordProblems.join()).toMatch(/does not match its json_schema/);
    expect(analysis.stateProblems.join()).toMatch(/same STATE/);
    expect(analysis.statsProblems).toHaveLength(2);
    expect(analyzeRead([], catalog).stateProblems.join()).toMatch(/got no STATE/);
  });

  it('moves epoch seconds, milliseconds and ISO dates to the year 3000, and keeps ids and counts', () => {
    expect(futureOf({ cursor: 1700000000, ms: 1700000000000, at: '2024-01-02T03:04:05Z', ids: ['cus_1'], page: 3 })).toEqual({
      cursor: 32503680000,
      ms: 32503680000000,
      at: '3000-01-01T00:00:00Z',
      ids: ['cus_1'],
      page: 3,
    });
  });
});
