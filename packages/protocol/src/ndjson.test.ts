import { describe, expect, it } from 'vitest';
import { decodeMessages, parseMessage } from './ndjson.ts';
import { ProtocolError } from './protocol-error.ts';

async function* chunks(...parts: string[]) {
  for (const p of parts) yield Buffer.from(p);
}

async function collect(input: AsyncIterable<Buffer>, maxLineBytes?: number) {
  const out = [];
  for await (const m of decodeMessages(input, { connector: 'source-test', ...(maxLineBytes ? { maxLineBytes } : {}) })) out.push(m);
  return out;
}

describe('decodeMessages', () => {
  it('joins lines split across chunks and reads an unterminated last line', async () => {
    const rec = '{"type":"RECORD","record":{"stream":"s","data":{"id":"1"},"emitted_at":1}}';
    const out = await collect(chunks(rec.slice(0, 10), `${rec.slice(10)}\n\r\n`, rec));
    expect(out.map((m) => m.lineNumber)).toEqual([1, 3]);
    expect(out[1]!.message).toMatchObject({ type: 'RECORD', record: { data: { id: '1' } } });
  });

  it('names the connector, the line number and a snippet for a malformed line', async () => {
    const err = await collect(chunks('{"type":"LOG","log":{"level":"INFO","message":"hi"}}\n', 'not json at all\n')).catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/^source-test: line 2: not valid JSON .*"not json at all"$/);
  });

  it('refuses a line over the maximum size', async () => {
    const err = await collect(chunks('{"type":"LOG",', '"log":{"level":"INFO","message":"xxxxxxxxxx"}}\n'), 20).catch((e) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect(err.message).toMatch(/line 1: line longer than the maximum of 20 bytes/);
  });
});

describe('parseMessage on records (the hand-checked fast path)', () => {
  const line = (record: unknown) => JSON.stringify({ type: 'RECORD', record });
  it('accepts a well-formed record as zod would', () => {
    const record = { stream: 's', data: { id: 1 }, emitted_at: 5, namespace: 'n', meta: { changes: [] } };
    expect(parseMessage(line(record), 1, 'src')).toEqual({ type: 'RECORD', record });
  });

  it.each([
    ['data is an array', { stream: 's', data: [], emitted_at: 1 }, /at record\.data/],
    ['data is null', { stream: 's', data: null, emitted_at: 1 }, /at record\.data/],
    ['emitted_at is fractional', { stream: 's', data: {}, emitted_at: 1.5 }, /at record\.emitted_at/],
    ['stream is missing', { data: {}, emitted_at: 1 }, /at record\.stream/],
    ['namespace is a number', { stream: 's', data: {}, emitted_at: 1, namespace: 3 }, /at record\.namespace/],
  ])('refuses a record whose %s, with zod explaining where', (_why, record, where) => {
    expect(() => parseMessage(line(record), 7, 'src')).toThrow(where);
    expect(() => parseMessage(line(record), 7, 'src')).toThrow(/^src: line 7: invalid RECORD message/);
  });
});
