import { describe, expect, it } from 'vitest';
import { parseMessage } from './ndjson.ts';
import { dataTextOf, keepDataText, MAX_DEPTH, scanRecordLine } from './record-line.ts';

const line = (stream: string, data: unknown, emittedAt: unknown = 1_700_000_000_000) =>
  JSON.stringify({ type: 'RECORD', record: { stream, data, emitted_at: emittedAt } });

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\t', '\n', '0', '1', '-', '+', '.', 'e', 'E', 'u', 'a', 'null', 'true', 'false', '\u0001', 'é', '\\u00e9', '\\ud83d\\ude00', '\\x'];

function value(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 3 ? 5 : 7));
  if (pick === 0) return null;
  if (pick === 1) return next() < 0.5;
  if (pick === 2) return [0, -1, 1.5, -0.25e-7, 12345678901234567890, 1e300, 2 ** 53 + 1][Math.floor(next() * 7)];
  if (pick <= 4) return Array.from({ length: Math.floor(next() * 6) }, () => PIECES[Math.floor(next() * PIECES.length)]).join('');
  if (pick === 5) return Array.from({ length: Math.floor(next() * 4) }, () => value(next, depth + 1));
  return Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, (_, k) => [`${PIECES[Math.floor(next() * PIECES.length)]}${k}`, value(next, depth + 1)]));
}

function mutate(text: string, next: () => number): string {
  const at = Math.floor(next() * (text.length + 1));
  const piece = PIECES[Math.floor(next() * PIECES.length)]!;
  const how = Math.floor(next() * 3);
  if (how === 0) return text.slice(0, at) + text.slice(at + 1);
  if (how === 1) return text.slice(0, at) + piece + text.slice(at);
  return text.slice(0, at) + piece + text.slice(at + 1);
}

/** What `parseMessage` makes of a line: the message, or undefined when it throws. */
function parsed(text: string): { type: string; record?: { stream: string; data: unknown } } | undefined {
  try {
    return parseMessage(text, 1, 'test') as { type: string; record?: { stream: string; data: unknown } };
  } catch {
    return undefined;
  }
}

/** The scan's verdict must agree with parseMessage wherever it gives one. */
function check(text: string): 'scanned' | 'left' {
  const scan = scanRecordLine(text);
  if (!scan) return 'left';
  const message = parsed(text);
  expect(message, text).toBeDefined();
  expect(message!.type).toBe('RECORD');
  expect(Object.keys(message!)).toEqual(['type', 'record']);
  expect(Object.keys(message!.record!)).toEqual(['stream', 'data', 'emitted_at']);
  expect(scan.stream).toBe(message!.record!.stream);
  expect(JSON.parse(text.slice(scan.dataStart, scan.dataEnd))).toEqual(message!.record!.data);
  return 'scanned';
}

describe('scanRecordLine', () => {
  it('finds the stream and the data text of a record line as the kit writes it', () => {
    const text = line('customers', { id: 'cus_1', name: 'Zoë "Z" \\ Ng', tags: ['a', 1.5e-3, null, true], nested: { deep: [{}] } });
    const scan = scanRecordLine(text);
    expect(scan?.stream).toBe('customers');
    expect(text.slice(scan!.dataStart, scan!.dataEnd)).toBe(JSON.stringify(JSON.parse(text).record.data));
  });

  it('accepts every record line the kit can write, for random data', () => {
    const next = random(13);
    for (let n = 0; n < 3000; n++) {
      const data = Object.fromEntries(Array.from({ length: 1 + Math.floor(next() * 5) }, (_, k) => [`f${k}`, value(next, 0)]));
      expect(check(line(`s${n % 7}`, data, n * 1_000_003))).toBe('scanned');
    }
  });

  it('never accepts a line that parseMessage rejects or reads differently (mutated lines)', () => {
    const next = random(42);
    let scanned = 0;
    let left = 0;
    for (let n = 0; n < 20000; n++) {
      const data = Object.fromEntries(Array.from({ length: 1 + Math.floor(next() * 4) }, (_, k) => [`f${k}`, value(next, 0)]));
      let text = line('orders', data, 1_700_000_000_000 + n);
      for (let m = 1 + Math.floor(next() * 3); m > 0; m--) text = mutate(text, next);
      if (check(text) === 'scanned') scanned++;
      else left++;
      // A mutated line that is still a valid record in the kit's exact form must be scanned, not left.
      const message = parsed(text) as { type: string; record: { stream: string; emitted_at: unknown } } | undefined;
      if (message?.type === 'RECORD' && JSON.stringify(message) === text && !JSON.stringify(message.record.stream).includes('\\') && String(message.record.emitted_at).length <= 15) {
        expect(scanRecordLine(text), text).toBeDefined();
      }
    }
    // Both verdicts were exercised, or the test proves nothing.
    expect(scanned).toBeGreaterThan(1000);
    expect(left).toBeGreaterThan(1000);
  });

  it('leaves every other form to parseMessage', () => {
    const data = { id: 1 };
    const others = [
      JSON.stringify({ type: 'RECORD', record: { stream: 's', data, emitted_at: 1, namespace: 'n' } }),
      JSON.stringify({ type: 'RECORD', record: { data, stream: 's', emitted_at: 1 } }),
      JSON.stringify({ type: 'RECORD', record: { stream: 's', data, emitted_at: 1 } }, null, 1).replaceAll('\n', ''),
      line('a\\"b', data),
      line('s', data, 1.5),
      line('s', data, '1'),
      line('s', data, 1e21),
      line('s', [1]),
      line('s', null),
      `${line('s', data)} `,
      `${line('s', data)}\r`,
      line('s', data).replace('}}', '},"type":"STATE"}'),
      JSON.stringify({ type: 'STATE', state: { data: {} } }),
    ];
    for (const text of others) expect(scanRecordLine(text), text).toBeUndefined();
  });

  it(`leaves data nested deeper than ${MAX_DEPTH} to JSON.parse, and takes it up to that depth`, () => {
    const nest = (depth: number) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    expect(scanRecordLine(line('s', { a: nest(MAX_DEPTH - 1) }))).toBeDefined();
    expect(scanRecordLine(line('s', { a: nest(MAX_DEPTH + 5) }))).toBeUndefined();
  });

  it('rejects what JSON forbids inside the data', () => {
    const bad = ['{"a":01}', '{"a":1.}', '{"a":.5}', '{"a":-}', '{"a":1e}', '{"a":"\u0001"}', '{"a":"\\x"}', '{"a":"\\u12g4"}', '{"a":tru}', '{"a":[1,]}', '{"a":1,}', '{a:1}', '{"a" 1}', '{"a":"x}'];
    for (const data of bad) {
      const text = `{"type":"RECORD","record":{"stream":"s","data":${data},"emitted_at":1}}`;
      expect(() => JSON.parse(text), data).toThrow();
      expect(scanRecordLine(text), data).toBeUndefined();
    }
  });
});

describe('keepDataText', () => {
  const keep = (text: string) => {
    const message = parseMessage(text, 1, 'test') as { type: 'RECORD'; record: Parameters<typeof dataTextOf>[0] };
    keepDataText(message.record, text);
    return dataTextOf(message.record);
  };

  it('keeps the data as the line has it, which JSON.stringify may write differently', () => {
    const data = '{"amount":1.0,"name":"Zo\\u00eb","big":12345678901234567890,"spaced" :\t[1, 2]}';
    expect(keep(`{"type":"RECORD","record":{"stream":"s","data":${data},"emitted_at":17}}`)).toBe(data);
    expect(JSON.stringify(JSON.parse(data))).not.toBe(data);
  });

  it('keeps nothing from a line in another form, so the caller serializes the data itself', () => {
    const data = { id: 1 };
    const others = [
      JSON.stringify({ type: 'RECORD', record: { stream: 's', data, emitted_at: 1, namespace: 'n' } }),
      JSON.stringify({ type: 'RECORD', record: { data, stream: 's', emitted_at: 1 } }),
      JSON.stringify({ type: 'RECORD', record: { stream: 's', data, emitted_at: 1 } }, null, 1).replaceAll('\n', ''),
      line('a"b', data),
      '{"type":"RECORD","record":{"stream":"s","data":{"id":1},"emitted_at":1.0}}',
      '{"type":"RECORD","record":{"stream":"s","data":{"id":1},"emitted_at":1}} ',
    ];
    for (const text of others) expect(keep(text), text).toBeUndefined();
  });

  it('is never seen by JSON.stringify: a record re-encoded is the record', () => {
    const text = line('s', { id: 1 });
    const message = parseMessage(text, 1, 'test') as { type: 'RECORD'; record: Parameters<typeof dataTextOf>[0] };
    keepDataText(message.record, text);
    expect(dataTextOf(message.record)).toBe('{"id":1}');
    expect(JSON.stringify(message)).toBe(text);
  });
});
