/**
 * The destination durability checks: an acknowledged STATE means its records are committed, and a
 * failed upstream commits nothing more.
 *
 * Rules:
 * - Airbyte protocol, "State & Checkpointing"
 *   (https://docs.airbyte.com/understanding-airbyte/airbyte-protocol#state--checkpointing): a
 *   destination emits a STATE only once every record before it is persisted. So once the STATE is
 *   back on stdout, the records before it can be read back, while the destination is still running
 *   with its input open, and still after it is killed (SIGKILL, as in a crash).
 * - Input abort (our extension, `@sync/connector-kit` input-abort.ts): a TRACE ERROR on a destination's
 *   stdin means the upstream failed; the destination commits nothing after the last STATE it
 *   acknowledged, acknowledges nothing more, and exits 1. A destination that does not implement it
 *   says `"inputAbort": false` in its conformance file, and the check is reported as not supported.
 *
 * Both write rows of their own (ids `d…` and `a…`), after the rest of the destination suite.
 */
import { canonicalJson } from '@sync/protocol';
import { howItEnded, stderrTail, type CommandOutput, type ConnectorRun } from './connector-run.ts';
import { readBack } from './read-back.ts';
import type { CheckResult } from './report.ts';
import { startCommand, type SuiteContext } from './suite-context.ts';
import { EMITTED_AT, isStateLine, line, recordLine, stateLine, stateOf, widget, type Widget } from './test-stream.ts';

const durable = [widget('d1', 'durable one', 1700000011), widget('d2', 'durable two', 1700000012), widget('d3', 'durable three', 1700000013)];
const durableState = stateOf(1700000013, durable.length);
/** Records after the STATE: new rows only, so that committing them early changes none of the rows checked. */
const afterDurable = [widget('d4', 'durable four', 1700000014), widget('d5', 'durable five', 1700000015)];

const beforeAbort = [widget('a1', 'abort one', 1700000021), widget('a2', 'abort two', 1700000022)];
const abortState = stateOf(1700000022, beforeAbort.length);
/** Records between the last STATE and the TRACE ERROR: one new row, one newer version of a row. */
const afterAbort = [widget('a3', 'abort three', 1700000023), widget('a1', 'abort one, renamed', 1700000024)];
const upstreamFailure = line({
  type: 'TRACE',
  trace: { type: 'ERROR', emitted_at: EMITTED_AT, error: { message: 'conformance: the source failed after the last STATE', failure_type: 'system_error' } },
});

function startWrite(context: SuiteContext, config: string, catalog: string): ConnectorRun {
  return startCommand(context, ['write', '--config', config, '--catalog', catalog]);
}

const shown = (rows: readonly string[]) => (rows.length === 0 ? 'none' : rows.join(' '));

/** Problems when the rows `readBack` prints lack any of `expected` (exact rows), `when` saying at which moment. */
async function missingRows(context: SuiteContext, expected: readonly Widget[], when: string): Promise<string[]> {
  const read = await readBack(context);
  if ('problem' in read) return [`${when}: ${read.problem}`];
  const missing = expected.map(canonicalJson).filter((row) => !read.rows.includes(row));
  if (missing.length === 0) return [];
  return [`${when}, readBack lacks ${missing.length} of the ${expected.length} records before the acknowledged STATE: ${missing.join(' ')} (it printed: ${shown(read.rows)})`];
}

/** How a write that the suite killed ended, when it ended some other way first. */
function endedBeforeKill(result: CommandOutput): string[] {
  if (result.signal === 'SIGKILL' && !result.timedOut) return [];
  return [`write ended by itself (${howItEnded(result)}) before the suite killed it, with its input still open${stderrTail(result)}`];
}

/**
 * Records, STATE, more records; once the STATE is acknowledged (input still open) the records before
 * it must read back; then SIGKILL, and they must still read back.
 */
export async function destinationDurability(context: SuiteContext, config: string, catalog: string): Promise<CheckResult> {
  const name = 'write: once a STATE is acknowledged its records read back, with input still open and after a SIGKILL';
  if (!context.file.readBack) return { name, problems: [], notSupported: 'the conformance file has no "readBack" command' };
  const writer = startWrite(context, config, catalog);
  await writer.write([...durable.map(recordLine), stateLine(durableState), ...afterDurable.map(recordLine)]);
  const ack = await writer.waitFor(isStateLine);
  if (!ack) {
    const result = await writer.kill();
    return { name, problems: [`the STATE after 3 records was never acknowledged while stdin stayed open; write ${howItEnded(result)}${stderrTail(result)}`] };
  }
  const problems = await missingRows(context, durable, 'once the STATE was acknowledged, input still open');
  problems.push(...endedBeforeKill(await writer.kill()));
  problems.push(...(await missingRows(context, durable, 'after write was killed (SIGKILL)')));
  return { name, problems };
}

/**
 * Records, STATE (wait for its acknowledgement), more records, a TRACE ERROR, end of input: the
 * destination must exit non-zero, acknowledge nothing more, and keep none of the records after the
 * STATE.
 */
export async function inputAbort(context: SuiteContext, config: string, catalog: string): Promise<CheckResult> {
  const name = 'write: after a TRACE ERROR on its input, commits nothing after the last acknowledged STATE and exits non-zero';
  if (!context.file.inputAbort) return { name, problems: [], notSupported: 'the conformance file says "inputAbort": false' };
  if (!context.file.readBack) return { name, problems: [], notSupported: 'the conformance file has no "readBack" command' };
  const writer = startWrite(context, config, catalog);
  await writer.write([...beforeAbort.map(recordLine), stateLine(abortState)]);
  const ack = await writer.waitFor(isStateLine);
  if (!ack) {
    const result = await writer.kill();
    return { name, problems: [`the STATE after 2 records was never acknowledged while stdin stayed open; write ${howItEnded(result)}${stderrTail(result)}`] };
  }
  await writer.write([...afterAbort.map(recordLine), upstreamFailure]);
  writer.end();
  const result = await writer.done;

  const problems: string[] = [];
  if (result.timedOut || result.signal || result.exitCode === 0 || result.exitCode === null) {
    problems.push(`after a TRACE ERROR on its input, write should exit non-zero by itself; it ended with ${howItEnded(result)}${stderrTail(result)}`);
  }
  const later = result.lines.filter((l) => l.number > ack.number && isStateLine(l));
  if (later.length > 0) problems.push(`write acknowledged ${later.length} more STATE(s) after the first, at line ${later[0]!.number}, though no STATE followed it`);
  problems.push(...(await missingRows(context, beforeAbort, 'after the TRACE ERROR')));
  const read = await readBack(context);
  if ('rows' in read) {
    const ids = new Set(afterAbort.map((w) => w.id));
    const kept = read.rows.filter((row) => {
      const data = JSON.parse(row) as { id?: unknown };
      return typeof data.id === 'string' && ids.has(data.id) && !beforeAbort.some((w) => canonicalJson(w) === row);
    });
    if (kept.length > 0) {
      problems.push(`records sent after the last STATE, before the TRACE ERROR, were committed: ${kept.join(' ')} (they must not be: the next run resumes from that STATE)`);
    }
  }
  return { name, problems };
}
