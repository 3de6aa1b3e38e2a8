import { describe, expect, it } from 'vitest';
import { boundedLines, truncationMarker } from './bounded-lines.ts';

async function lines(chunks: (string | Buffer)[], max: number): Promise<string[]> {
  const out: string[] = [];
  for await (const line of boundedLines((async function* () { yield* chunks; })(), max)) out.push(line);
  return out;
}

describe('boundedLines', () => {
  it('splits lines across chunks, drops the \\r of \\r\\n, and yields an unterminated last line', async () => {
    expect(await lines(['one\r\ntw', 'o\n\nthr', 'ee'], 100)).toEqual(['one', 'two', '', 'three']);
  });

  it('cuts a line past the cap and says how many bytes it cut', async () => {
    expect(await lines(['abcdef', 'ghij\nshort\n', 'x'.repeat(25)], 4)).toEqual([
      `abcd${truncationMarker(6)}`,
      `shor${truncationMarker(1)}`,
      `xxxx${truncationMarker(21)}`,
    ]);
  });

  it('keeps at most the cap of a huge line without a newline', async () => {
    const mib = Buffer.alloc(1024 * 1024, 0x61);
    const chunks = Array.from({ length: 50 }, () => mib);
    const [line, ...rest] = await lines(chunks, 8 * 1024);
    expect(rest).toEqual([]);
    expect(line).toBe(`${'a'.repeat(8 * 1024)}${truncationMarker(50 * 1024 * 1024 - 8 * 1024)}`);
  });
});
