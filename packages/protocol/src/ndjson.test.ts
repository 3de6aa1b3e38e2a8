import { describe, expect, it } from 'vitest';
import { decodeMessages } from './ndjson.ts';
import { ProtocolError } from './errors.ts';

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
