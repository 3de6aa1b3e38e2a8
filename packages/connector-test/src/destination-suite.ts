/**
 * The destination suite: spec, check, then `write` of a fixed test stream (`conformance_widgets`,
 * primary key `id`, cursor `updated`, append_dedup) in two batches, each ended by a STATE:
 *
 * 1. batch 1 is sent, then the suite waits for its STATE to come back; the `readBack` command must
 *    then show batch 1's rows (a STATE is acknowledged only after its records are committed);
 * 2. batch 2 (one new row, one newer version of a row) follows with LOG and TRACE messages mixed in
 *    (a destination ignores types it does not use); stdin closes; both STATEs must come back, in
 *    order, and the rows must be the newest version of each;
 * 3. both batches are delivered again: same acknowledgements, same rows (delivery is at least once);
 * 4. durability and input abort (destination-durability.ts), with rows of their own.
 */
import { canonicalJson } from '@sync/protocol';
import { howItEnded, stderrTail, type ConnectorRun } from './connector-run.ts';
import { destinationDurability, inputAbort } from './destination-durability.ts';
import { judgeLines, type WireMessage } from './messages.ts';
import { readBack } from './read-back.ts';
import type { CheckResult } from './report.ts';
import { checkBadConfig, checkGoodConfig, specChecks } from './spec-check.ts';
import { jsonFile, startCommand, type SuiteContext } from './suite-context.ts';
import { EMITTED_AT, isStateLine, line, recordLine, stateLine, stateOf, TEST_STREAM, testCatalog, widget } from './test-stream.ts';

const batch1 = [widget('w1', 'one', 1700000001), widget('w2', 'two', 1700000002), widget('w3', 'three', 1700000003)];
const batch2 = [widget('w4', 'four', 1700000004), widget('w2', 'two, renamed', 1700000005)];
const finalRows = [batch1[0]!, batch2[1]!, batch1[2]!, batch2[0]!];

const state1 = stateOf(1700000003, batch1.length);
const state2 = stateOf(1700000005, batch2.length);
const others = [
  line({ type: 'LOG', log: { level: 'INFO', message: 'conformance: a LOG for the destination to ignore' } }),
  line({ type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: EMITTED_AT, stream_status: { stream_descriptor: { name: TEST_STREAM }, status: 'RUNNING' } } }),
  line({ type: 'TRACE', trace: { type: 'ESTIMATE', emitted_at: EMITTED_AT, estimate: { name: TEST_STREAM, type: 'STREAM', row_estimate: 5 } } }),
];
const input1 = [...batch1.map(recordLine), stateLine(state1)];
const input2 = [...others.slice(0, 2), ...batch2.map(recordLine), others[2]!, stateLine(state2)];

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

async function rowsProblems(context: SuiteContext, expected: readonly object[], when: string): Promise<string[]> {
  if (!context.file.readBack) return [];
  const read = await readBack(context);
  if ('problem' in read) return [read.problem];
  const want = expected.map(canonicalJson).sort();
  if (canonicalJson(read.rows) === canonicalJson(want)) return [];
  return [`${when}, readBack should print ${want.length} rows ${want.join(' ')}; it printed ${read.rows.length}: ${read.rows.join(' ')}`];
}

/** Starts `write` with the config and catalog files given (their paths). */
function startWrite(context: SuiteContext, config: string, catalog: string): ConnectorRun {
  return startCommand(context, ['write', '--config', config, '--catalog', catalog]);
}

export async function destinationSuite(context: SuiteContext): Promise<CheckResult[]> {
  const checks = [await specChecks(context), await checkGoodConfig(context), await checkBadConfig(context)];
  const config = await jsonFile(context, 'config', context.file.config);
  const catalog = await jsonFile(context, 'catalog', testCatalog);

  // First delivery, batch by batch.
  const first = startWrite(context, config, catalog);
  await first.write(input1);
  const ack1 = await first.waitFor(isStateLine);
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
  const second = startWrite(context, config, catalog);
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
  checks.push(await destinationDurability(context, config, catalog), await inputAbort(context, config, catalog));
  return checks;
}
