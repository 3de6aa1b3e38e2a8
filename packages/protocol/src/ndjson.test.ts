import { describe, expect, it } from 'vitest';
import { decodeMessages, parseMessage, readLineBatches } from './ndjson.ts';
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

describe('readLineBatches', () => {
  it('locates every line of a chunk in its bytes, joining a line carried over from the chunk before', async () => {
    const input = chunks('{"a":1}\n{"b"', ':2}\r\n\n  \n{"c":3}\n{"d"', ':4}');
    const batches = [];
    for await (const batch of readLineBatches(input, { connector: 'source-test' })) batches.push(batch);
    const seen = batches.flatMap((b) => b.lines.map((l) => ({ n: l.lineNumber, line: l.line, bytes: b.bytes.toString('utf8', l.start, l.end) })));
    expect(seen).toEqual([
      { n: 1, line: '{"a":1}', bytes: '{"a":1}\n' },
      { n: 2, line: '{"b":2}', bytes: '{"b":2}\r\n' },
      { n: 5, line: '{"c":3}', bytes: '{"c":3}\n' },
      { n: 6, line: '{"d":4}', bytes: '{"d":4}' },
    ]);
    // Forwarding every batch's bytes reproduces the input, blank lines included.
    expect(batches.map((b) => b.bytes.toString()).join('')).toBe('{"a":1}\n{"b":2}\r\n\n  \n{"c":3}\n{"d":4}');
  });

  it('refuses a line over the maximum size while it is still arriving', async () => {
    const err = await (async () => {
      for await (const _ of readLineBatches(chunks('{"type":"LOG",', '"log":{"level":"INFO"'), { connector: 'source-test', maxLineBytes: 20 })) void _;
    })().catch((e) => e);
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
