import { describe, expect, it } from 'vitest';
import { CopyBuffer } from './copy-buffer.ts';

/** Writes `rows` rows of `text` and takes the chunk. */
function fill(buffer: CopyBuffer, text: string, rows: number): Buffer {
  for (let i = 0; i < rows; i++) {
    buffer.write(text);
    buffer.endRow();
  }
  return buffer.take()!;
}

describe('CopyBuffer', () => {
  it('reuses a recycled chunk for the next rows once the connection has sent it', () => {
    let released = false;
    const buffer = new CopyBuffer(1024, () => released);
    const first = fill(buffer, 'a\tb', 3);
    expect(first.toString()).toBe('a\tb\na\tb\na\tb\n');
    buffer.recycle(first);
    // Still being sent: the next rows go to a Buffer of their own, and the first chunk keeps its bytes.
    const second = fill(buffer, 'c', 2);
    expect(second.buffer).not.toBe(first.buffer);
    expect(first.toString()).toBe('a\tb\na\tb\na\tb\n');
    buffer.recycle(second);
    released = true;
    const third = fill(buffer, 'dé', 1);
    expect(third.buffer).toBe(second.buffer);
    expect(third.toString()).toBe('dé\n');
  });

  it('never reuses a chunk that was not recycled, nor one too small for the row that comes', () => {
    const buffer = new CopyBuffer(16, () => true);
    const first = fill(buffer, 'x', 1);
    expect(fill(buffer, 'y', 1).buffer).not.toBe(first.buffer);
    const small = fill(buffer, 'z', 1);
    buffer.recycle(small);
    const big = fill(buffer, 'w'.repeat(200_000), 1);
    expect(big.buffer).not.toBe(small.buffer);
    expect(big.toString()).toBe(`${'w'.repeat(200_000)}\n`);
  });
});
