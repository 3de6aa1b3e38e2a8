import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { expect, it } from 'vitest';
import { startInkProgress } from './ink-progress.ts';

/** A terminal that keeps everything written to it. */
function fakeTerminal(): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  Object.assign(stream, { isTTY: true, columns: 120, rows: 40 });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => stripVTControlCharacters(chunks.join('')) };
}

it('prints every log line once above the view, in order, keeping none of them', async () => {
  const terminal = fakeTerminal();
  const progress = startInkProgress(terminal.stream, () => 0);
  const lines = Array.from({ length: 300 }, (_, i) => `source-x: line ${i}`);
  for (const line of lines) progress.log(line);
  await progress.finish();
  const printed = terminal.text().split('\n').filter((l) => l.startsWith('source-x: '));
  expect(printed).toEqual(lines);
});
