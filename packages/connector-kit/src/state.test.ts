import { describe, expect, it } from 'vitest';
import { streamState } from './builders.ts';
import { parseStateInput } from './state.ts';

describe('parseStateInput', () => {
  it('reads a list of per-stream STATE messages; the last one of a stream wins', () => {
    const parsed = parseStateInput([
      streamState('customers', { created: 1 }, 1).state,
      streamState('invoices', { created: 5 }, 1).state,
      streamState('customers', { created: 2 }, 1).state,
    ]);
    expect(Object.fromEntries(parsed.streams)).toEqual({ customers: { created: 2 }, invoices: { created: 5 } });
    expect(parsed.shared).toBeUndefined();
    expect(parsed.legacy).toBeUndefined();
  });

  it('treats a stream STATE without stream_state as an empty state', () => {
    const parsed = parseStateInput([{ type: 'STREAM', stream: { stream_descriptor: { name: 'customers' } } }]);
    expect(Object.fromEntries(parsed.streams)).toEqual({ customers: {} });
  });

  it('reads a GLOBAL state: shared state and every stream state', () => {
    const parsed = parseStateInput([
      {
        type: 'GLOBAL',
        global: {
          shared_state: { lsn: 42 },
          stream_states: [
            { stream_descriptor: { name: 'a' }, stream_state: { id: 1 } },
            { stream_descriptor: { name: 'b' }, stream_state: { id: 2 } },
          ],
        },
      },
    ]);
    expect(parsed.shared).toEqual({ lsn: 42 });
    expect(Object.fromEntries(parsed.streams)).toEqual({ a: { id: 1 }, b: { id: 2 } });
  });

  it('reads a LEGACY state given as one bare object', () => {
    const parsed = parseStateInput({ customers: { created: 7 } });
    expect(parsed.legacy).toEqual({ customers: { created: 7 } });
    expect(parsed.streams.size).toBe(0);
  });

  it('reads an empty list as no state', () => {
    expect(parseStateInput([]).streams.size).toBe(0);
  });

  it('refuses anything else', () => {
    expect(() => parseStateInput('created=5')).toThrow('state must be a list of STATE messages or a JSON object');
    expect(() => parseStateInput([{ type: 'PARTIAL' }])).toThrow(/state must be/);
    expect(() => parseStateInput(null)).toThrow(/state must be/);
  });
});

describe('parseStateInput, LEGACY in a list', () => {
  it('keeps a LEGACY state given as a list of one STATE message (as the engine hands it back)', () => {
    expect(parseStateInput([{ type: 'LEGACY', data: { cursor: 7 } }])).toEqual({ streams: new Map(), legacy: { cursor: 7 } });
    expect(parseStateInput([{ data: { cursor: 8 } }]).legacy).toEqual({ cursor: 8 });
  });
});
