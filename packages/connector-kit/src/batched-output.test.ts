/**
 * The batched writer of a source's output: every message, in order, in few writes; nothing held back
 * while the source waits; what was emitted before a failure still written; a slow reader slows it.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { encodeMessage, type AirbyteMessage } from '@sync/protocol';
import { writeMessagesBatched } from './batched-output.ts';
import { record, streamState } from './builders.ts';

/** A stdout that keeps each write; `onWrite` sees the text so far after each one. */
class Recorder extends Writable {
  writes: string[] = [];
  text = '';
  maxBuffered = 0;
  readonly #onWrite: (text: string) => void;
  readonly #slow: boolean;
  /** `slow`: each write completes on a later turn of the event loop, as a busy reader's pipe would. */
  constructor(onWrite: (text: string) => void = () => {}, options: { highWaterMark?: number; slow?: boolean } = {}) {
    super({ highWaterMark: options.highWaterMark ?? 16 * 1024, decodeStrings: false });
    this.#onWrite = onWrite;
    this.#slow = options.slow ?? false;
  }
  override _write(chunk: string, _encoding: BufferEncoding, done: () => void): void {
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    this.writes.push(chunk);
    this.text += chunk;
    this.#onWrite(this.text);
    if (this.#slow) setImmediate(done);
    else done();
  }
}

/** `count` records of `customers` with a STATE after every `every` of them. */
function pages(count: number, every: number): AirbyteMessage[] {
  const messages: AirbyteMessage[] = [];
  for (let i = 1; i <= count; i++) {
    messages.push(record('customers', { id: `cus_${i}`, created: i, note: 'x'.repeat(i % 50) }, 1));
    if (i % every === 0 || i === count) messages.push(streamState('customers', { created: i }, i % every || every));
  }
  return messages;
}

async function* from(messages: AirbyteMessage[]): AsyncGenerator<AirbyteMessage> {
  yield* messages;
}

const lines = (text: string) => text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as AirbyteMessage);

describe('writeMessagesBatched', () => {
  it('writes every message, in order, in chunks of about the batch size', async () => {
    const messages = pages(5000, 700);
    const out = new Recorder();
    await writeMessagesBatched(from(messages), out, 4096);
    expect(out.text).toBe(messages.map(encodeMessage).join(''));
    expect(lines(out.text)).toEqual(messages);
    // Each write but the last holds whole lines and at least a batch.
    expect(out.writes.length).toBeLessThan(messages.length / 10);
    for (const chunk of out.writes.slice(0, -1)) expect(chunk.length).toBeGreaterThanOrEqual(4096);
    for (const chunk of out.writes) expect(chunk.endsWith('\n')).toBe(true);
  });

  it('writes what is buffered as soon as the source waits, before the wait ends', async () => {
    let release: () => void = () => {};
    const seenBeforeRelease = new Promise<void>((resolve) => (release = resolve));
    // The source's second page comes only once the reader has seen the whole first page.
    const out = new Recorder((text) => {
      if (lines(text).some((m) => m.type === 'STATE')) release();
    });
    const source = async function* (): AsyncGenerator<AirbyteMessage> {
      yield record('customers', { id: 'cus_1' }, 1);
      yield record('customers', { id: 'cus_2' }, 1);
      yield streamState('customers', { page: 2 }, 2);
      await seenBeforeRelease;
      yield record('customers', { id: 'cus_3' }, 1);
    };
    await writeMessagesBatched(source(), out);
    expect(lines(out.text).map((m) => (m.type === 'RECORD' ? m.record.data.id : m.type))).toEqual(['cus_1', 'cus_2', 'STATE', 'cus_3']);
    expect(lines(out.writes[0]!)).toHaveLength(3);
  });

  it('writes what the source emitted before it failed, then throws its error', async () => {
    const out = new Recorder();
    const source = async function* (): AsyncGenerator<AirbyteMessage> {
      yield* pages(10, 5);
      throw new Error('page 3 failed');
    };
    await expect(writeMessagesBatched(source(), out)).rejects.toThrow('page 3 failed');
    expect(lines(out.text)).toEqual(pages(10, 5));
  });

  it('waits for a slow reader instead of buffering the whole output', async () => {
    const messages = pages(20_000, 1000);
    const out = new Recorder(undefined, { highWaterMark: 1024, slow: true });
    await writeMessagesBatched(from(messages), out, 2048);
    expect(lines(out.text)).toEqual(messages);
    // At most one batch beyond the stream's high-water mark ever waits in its buffer.
    expect(out.maxBuffered).toBeLessThan(1024 + 2048 + 200);
  });
});
