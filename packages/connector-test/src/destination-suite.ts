/**
 * The destination suite: spec, check, then `write` of a fixed test stream (`conformance_widgets`,
 * primary key `id`, cursor `updated`, append_dedup) in two batches, each ended by a STATE:
 *
 * 1. batch 1 is sent, then the suite waits for its STATE to come back; the `readBack` command must
 *    then show batch 1's rows (a STATE is acknowledged only after its records are committed);
 * 2. batch 2 (one new row, one newer version of a row) follows with LOG and TRACE messages mixed in
 *    (a destination ignores types it does not use); stdin closes; both STATEs must come back, in
 *    order, and the rows must be the newest version of each;
 * 3. both batches are delivered again: same acknowledgements, same rows (delivery is at least once).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { canonicalJson, type ConfiguredAirbyteCatalog } from '@sync/protocol';
import { ConnectorProcess, howItEnded, stderrTail } from './connector-run.ts';
import { judgeLines, type WireMessage } from './messages.ts';
import type { CheckResult } from './report.ts';
import { checkBadConfig, checkGoodConfig, specChecks } from './spec-check.ts';
import { jsonFile, type SuiteContext } from './suite-context.ts';

/** The stream the destination suite writes. */
export const TEST_STREAM = 'conformance_widgets';

export const testCatalog: ConfiguredAirbyteCatalog = {
  streams: [
    {
      stream: {
        name: TEST_STREAM,
        json_schema: {
          type: 'object',
          properties: { id: { type: 'string' }, name: { type: 'string' }, updated: { type: 'integer' } },
        },
        supported_sync_modes: ['full_refresh', 'incremental'],
        source_defined_cursor: true,
        default_cursor_field: ['updated'],
        source_defined_primary_key: [['id']],
      },
      sync_mode: 'incremental',
      destination_sync_mode: 'append_dedup',
      cursor_field: ['updated'],
      primary_key: [['id']],
    },
  ],
};

const widget = (id: string, name: string, updated: number) => ({ id, name, updated });
const batch1 = [widget('w1', 'one', 1700000001), widget('w2', 'two', 1700000002), widget('w3', 'three', 1700000003)];
const batch2 = [widget('w4', 'four', 1700000004), widget('w2', 'two, renamed', 1700000005)];
const finalRows = [batch1[0]!, batch2[1]!, batch1[2]!, batch2[0]!];

const emittedAt = 1700000000000;
const line = (message: unknown) => JSON.stringify(message);
const recordLine = (data: object) => line({ type: 'RECORD', record: { stream: TEST_STREAM, data, emitted_at: emittedAt } });
const stateOf = (position: number, count: number) => ({
  type: 'STREAM',
  stream: { stream_descriptor: { name: TEST_STREAM }, stream_state: { updated: position } },
  sourceStats: { recordCount: count },
});
const state1 = stateOf(1700000003, batch1.length);
const state2 = stateOf(1700000005, batch2.length);
const others = [
  line({ type: 'LOG', log: { level: 'INFO', message: 'conformance: a LOG for the destination to ignore' } }),
  line({ type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: emittedAt, stream_status: { stream_descriptor: { name: TEST_STREAM }, status: 'RUNNING' } } }),
  line({ type: 'TRACE', trace: { type: 'ESTIMATE', emitted_at: emittedAt, estimate: { name: TEST_STREAM, type: 'STREAM', row_estimate: 5 } } }),
];
const input1 = [...batch1.map(recordLine), line({ type: 'STATE', state: state1 })];
const input2 = [...others.slice(0, 2), ...batch2.map(recordLine), others[2]!, line({ type: 'STATE', state: state2 })];

/** The state without destinationStats, to compare an acknowledgement with what was sent. */
function sent(state: Record<string, unknown>): string {
  const { destinationStats: _drop, ...rest } = state;
  return canonicalJson(rest);
}

function ackProblems(messages: readonly WireMessage[], expected: ReadonlyArray<{ state: object; records: number }>): string[] {
  const acks = messages.filter((m) => m.type === 'STATE');
  const problems: string[] = [];
  const want = expected.map((e) => canonicalJson(e.state));
  const got = acks.map((m) => sent(m.message.state as Record<string, unknown>));
  if (canonicalJson(got) !== canonicalJson(want)) {
    problems.push(`expected the ${want.length} STATEs sent, in order, acknowledged once each; got ${got.length}: ${got.join(' ')}`);
  }
  acks.forEach((m, i) => {
    const count = (m.message.state as { destinationStats?: { recordCount?: number } }).destinationStats?.recordCount;
    const records = expected[i]?.records;
    if (count !== undefined && records !== undefined && count !== records) {
      problems.push(`line ${m.number}: destinationStats.recordCount is ${count}; ${records} records came before that STATE`);
    }
  });
  return problems;
}

async function readBack(context: SuiteContext): Promise<{ rows?: string[]; problem?: string }> {
  const command = context.file.readBack!;
  try {
    const { stdout } = await promisify(execFile)('/bin/sh', ['-c', command], {
      cwd: context.command.cwd,
      env: context.command.env ?? process.env,
      timeout: context.timeoutMs,
      maxBuffer: 16 * 1024 * 1024,
    });
    const rows = stdout.split('\n').filter((l) => l.trim() !== '').map((l) => canonicalJson(JSON.parse(l)));
    return { rows: rows.sort() };
  } catch (error) {
    return { problem: `readBack failed: ${(error as Error).message.split('\n').slice(0, 3).join(' ')}` };
  }
}

async function rowsProblems(context: SuiteContext, expected: readonly object[], when: string): Promise<string[]> {
  if (!context.file.readBack) return [];
  const { rows, problem } = await readBack(context);
  if (problem) return [problem];
  const want = expected.map(canonicalJson).sort();
  if (canonicalJson(rows) === canonicalJson(want)) return [];
  return [`${when}, readBack should print ${want.length} rows ${want.join(' ')}; it printed ${rows!.length}: ${rows!.join(' ')}`];
}

async function write(context: SuiteContext, config: string, catalog: string) {
  return new ConnectorProcess(context.command, ['write', '--config', config, '--catalog', catalog], context.timeoutMs);
}

export async function destinationSuite(context: SuiteContext): Promise<CheckResult[]> {
  const checks = [await specChecks(context), await checkGoodConfig(context), await checkBadConfig(context)];
  const config = await jsonFile(context, 'config', context.file.config);
  const catalog = await jsonFile(context, 'catalog', testCatalog);

  // First delivery, batch by batch.
  const first = await write(context, config, catalog);
  await first.write(input1);
  const ack1 = await first.waitFor((l) => (l.json as { type?: string } | undefined)?.type === 'STATE');
  const afterAck1 = ack1
    ? await rowsProblems(context, batch1, 'once the first STATE is acknowledged')
    : ['the first STATE was never acknowledged while stdin stayed open (acknowledge each STATE once its records are committed)'];
  await first.write(input2);
  first.end();
  const result1 = await first.done;
  const judged1 = judgeLines(result1.lines);
  const ended1 = result1.exitCode === 0 ? [] : [`write should exit 0; it ended with ${howItEnded(result1)}${stderrTail(result1)}`];
  checks.push(
    { name: 'write: exits 0, every stdout line is a valid Airbyte message', problems: [...ended1, ...judged1.problems] },
    {
      name: 'write: acknowledges STATEs in order, each only after its records are committed',
      problems: [...ackProblems(judged1.messages, [{ state: state1, records: batch1.length }, { state: state2, records: batch2.length }]), ...afterAck1],
    },
    { name: 'write: tolerates message types it does not use (LOG, TRACE) and keeps the newest version of a row', problems: await rowsProblems(context, finalRows, 'after both batches') },
  );

  // Second delivery of everything: at least once must not change the tables.
  const second = await write(context, config, catalog);
  await second.write([...input1, ...input2]);
  second.end();
  const result2 = await second.done;
  const judged2 = judgeLines(result2.lines);
  checks.push({
    name: 'write: the same batches delivered twice give the same tables',
    problems: [
      ...(result2.exitCode === 0 ? [] : [`write should exit 0; it ended with ${howItEnded(result2)}${stderrTail(result2)}`]),
      ...judged2.problems,
      ...ackProblems(judged2.messages, [{ state: state1, records: batch1.length }, { state: state2, records: batch2.length }]),
      ...(await rowsProblems(context, finalRows, 'after delivering both batches again')),
    ],
  });
  if (!context.file.readBack) {
    checks.push({ name: 'write: tables checked', problems: ['the conformance file has no "readBack" command, so the tables could not be checked'] });
  }
  return checks;
}
