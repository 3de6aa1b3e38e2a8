import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, passed, type CheckResult } from './report.ts';
import { testConnector } from './test-connector.ts';

const fileDestination = ['node', join(import.meta.dirname, '../fixtures/file-destination.mjs')];
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sync-destination-durability-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs the destination suite on the fixture in `mode`; returns the report and its two durability checks. */
async function suiteOf(mode: string, extra: Record<string, unknown> = {}) {
  const dir = await mkdtemp(join(root, `${mode}-`));
  const rows = join(dir, 'rows.jsonl');
  const file = join(dir, 'conformance.json');
  await writeFile(
    file,
    JSON.stringify({ kind: 'destination', config: { path: rows, mode }, badConfig: { mode: 'nope' }, readBack: `cat '${rows}' 2>/dev/null || true`, ...extra }),
  );
  const report = await testConnector({ command: fileDestination, file });
  const find = (start: string): CheckResult => {
    const check = report.checks.find((c) => c.name.startsWith(start));
    if (!check) throw new Error(`no check "${start}…" in the report:\n${formatReport(report)}`);
    return check;
  };
  return { report, durable: find('write: once a STATE is acknowledged'), abort: find('write: after a TRACE ERROR') };
}

describe('destination durability', () => {
  it('passes a destination that commits before it acknowledges and honours input abort', async () => {
    const { report } = await suiteOf('good');
    expect(passed(report), formatReport(report)).toBe(true);
    expect(formatReport(report)).toMatch(/\n9 passed, 0 failed\n$/);
  });

  it('reports a destination that acknowledges a STATE before committing its records', async () => {
    const { durable } = await suiteOf('eager');
    expect(durable.problems[0]).toMatch(/^once the STATE was acknowledged, input still open, readBack lacks 3 of the 3 records before the acknowledged STATE: \{"id":"d1"/);
  });

  it('reports a destination whose acknowledged records do not survive a SIGKILL', async () => {
    const { durable } = await suiteOf('volatile');
    // While it runs, the rows read back: only the kill shows they were never durable.
    expect(durable.problems).toHaveLength(1);
    expect(durable.problems[0]).toMatch(/^after write was killed \(SIGKILL\), readBack lacks 3 of the 3 records .*\(it printed: none\)$/);
  });

  it('reports a destination that commits records after the last STATE despite a TRACE ERROR on its input', async () => {
    const { durable, abort } = await suiteOf('no-abort');
    expect(durable.problems).toEqual([]);
    expect(abort.problems).toContain('after a TRACE ERROR on its input, write should exit non-zero by itself; it ended with exit 0');
    expect(abort.problems.join('\n')).toMatch(/records sent after the last STATE, before the TRACE ERROR, were committed: .*"id":"a3"/);
  });

  it('reports input abort as not supported when the conformance file says so, and passes', async () => {
    const { report, abort } = await suiteOf('no-abort', { inputAbort: false });
    expect(abort).toMatchObject({ problems: [], notSupported: 'the conformance file says "inputAbort": false' });
    expect(passed(report), formatReport(report)).toBe(true);
    expect(formatReport(report)).toMatch(/\n {2}- write: after a TRACE ERROR.*\n {6}not supported: the conformance file says "inputAbort": false\n[\s\S]*\n8 passed, 0 failed, 1 not supported\n$/);
  });
});
