import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport } from './report.ts';
import { spread } from './source-durability.ts';
import { stateFileOf } from './state-file.ts';
import { testConnector } from './test-connector.ts';

const pagedSource = ['node', join(import.meta.dirname, '../fixtures/paged-source.mjs')];
const CHECK = /^read stopped \(SIGKILL\) right after a STATE/;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sync-source-durability-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function durabilityOf(config: Record<string, unknown>) {
  const file = join(dir, `${Object.values(config).join('-')}.json`);
  await writeFile(file, JSON.stringify({ kind: 'source', config, badConfig: { count: -1 } }));
  const report = await testConnector({ command: pagedSource, file });
  const check = report.checks.find((c) => CHECK.test(c.name));
  if (!check) throw new Error(`no durability check in the report:\n${formatReport(report)}`);
  return { report, check };
}

describe('source durability', () => {
  it('passes a source whose STATEs claim only what it emitted', async () => {
    const { report, check } = await durabilityOf({ count: 14, page_size: 4 });
    expect(check.problems, formatReport(report)).toEqual([]);
    expect(report.checks.every((c) => c.problems.length === 0), formatReport(report)).toBe(true);
  });

  it('names the STATE, the stream and the keys lost when a STATE claims records not emitted yet', async () => {
    // Pages of 4 with each STATE 3 rows ahead: stopped after the first STATE ({"n":7}), w5..w7 are lost.
    const { report, check } = await durabilityOf({ count: 14, page_size: 4, ahead: 3 });
    expect(check.problems[0]).toBe(
      'stopped after STATE of "widgets" #1 {"n":7} and resumed from it: stream "widgets" lost 3 of 14 primary keys ' +
        '(in neither the records before that STATE nor the resumed read): "w5", "w6", "w7"',
    );
    // Every other check passes: only the durability check sees this lie.
    expect(report.checks.filter((c) => c.problems.length > 0).map((c) => c.name)).toEqual([check.name]);
  });
});

describe('sampling and the state file', () => {
  it('samples the first, the last and evenly spread STATEs, always the same', () => {
    expect(spread(10, 4)).toEqual([0, 3, 6, 9]);
    expect(spread(3, 4)).toEqual([0, 1, 2]);
    expect(spread(0, 4)).toEqual([]);
  });

  it('hands back the latest state per stream without stats, and a lone LEGACY state as its bare data', () => {
    const a = (n: number) => ({ type: 'STREAM', stream: { stream_descriptor: { name: 'a' }, stream_state: { n } }, sourceStats: { recordCount: 1 } });
    const b = { type: 'STREAM', stream: { stream_descriptor: { name: 'b' }, stream_state: { n: 9 } } };
    expect(stateFileOf([a(1), b, a(2)])).toEqual([{ type: 'STREAM', stream: { stream_descriptor: { name: 'a' }, stream_state: { n: 2 } } }, b]);
    expect(stateFileOf([{ type: 'LEGACY', data: { x: 1 } }, { data: { x: 2 } }])).toEqual({ x: 2 });
    expect(stateFileOf([])).toBeUndefined();
  });
});
