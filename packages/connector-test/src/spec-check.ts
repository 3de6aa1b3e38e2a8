/**
 * Checks every connector gets, source or destination: `spec` is one valid SPEC whose config schema
 * is valid JSON Schema (and accepts the test config); `check` succeeds with the good config and fails
 * cleanly (CONNECTION_STATUS FAILED or TRACE ERROR, no crash) with the bad one.
 */
import { compileSchema, describeErrors } from './airbyte-schema.ts';
import { howItEnded, stderrTail } from './connector-run.ts';
import { endedWell, judgeLines, payloads } from './messages.ts';
import type { CheckResult } from './report.ts';
import { jsonFile, runToEnd, type SuiteContext } from './suite-context.ts';

export async function specChecks(context: SuiteContext): Promise<CheckResult> {
  const result = await runToEnd(context, ['spec']);
  const { messages, problems } = judgeLines(result.lines);
  problems.push(...endedWell(result, messages));
  const specs = payloads<{ connectionSpecification: unknown; supported_destination_sync_modes?: string[] }>(messages, 'SPEC', 'spec');
  if (specs.length !== 1) problems.push(`spec should print exactly one SPEC message; it printed ${specs.length}`);
  const spec = specs[0]?.value;
  if (spec) {
    const compiled = compileSchema(spec.connectionSpecification);
    if ('problem' in compiled) problems.push(`connectionSpecification is not valid JSON Schema: ${compiled.problem}`);
    else if (!compiled.validate(context.file.config)) {
      problems.push(`the good config of the conformance file does not match connectionSpecification: ${describeErrors(compiled.validate.errors)}`);
    }
    if (context.file.kind === 'destination' && !spec.supported_destination_sync_modes?.length) {
      problems.push('a destination SPEC should list supported_destination_sync_modes');
    }
  }
  return { name: 'spec: one valid SPEC; connectionSpecification is valid JSON Schema and accepts the test config', problems };
}

export async function checkGoodConfig(context: SuiteContext): Promise<CheckResult> {
  const result = await runToEnd(context, ['check', '--config', await jsonFile(context, 'config', context.file.config)]);
  const { messages, problems } = judgeLines(result.lines);
  problems.push(...endedWell(result, messages));
  const statuses = payloads<{ status: string; message?: string }>(messages, 'CONNECTION_STATUS', 'connectionStatus');
  if (statuses.length !== 1) problems.push(`check should print exactly one CONNECTION_STATUS; it printed ${statuses.length}`);
  else if (statuses[0]!.value.status !== 'SUCCEEDED') {
    problems.push(`check with the good config should succeed; it said ${statuses[0]!.value.status}: ${statuses[0]!.value.message ?? ''}`);
  }
  return { name: 'check: succeeds with the good config', problems };
}

export async function checkBadConfig(context: SuiteContext): Promise<CheckResult> {
  const result = await runToEnd(context, ['check', '--config', await jsonFile(context, 'bad-config', context.file.badConfig)]);
  const { messages, problems } = judgeLines(result.lines);
  if (result.timedOut || result.signal || result.exitCode === null) {
    problems.push(`check with the bad config should end by itself; it ${howItEnded(result)}${stderrTail(result)}`);
  }
  const failed = messages.some(
    (m) =>
      (m.type === 'CONNECTION_STATUS' && (m.message.connectionStatus as { status: string }).status === 'FAILED') ||
      (m.type === 'TRACE' && (m.message.trace as { type: string }).type === 'ERROR'),
  );
  if (!failed) problems.push('check with the bad config should print CONNECTION_STATUS FAILED (or a TRACE ERROR); it did not');
  if (messages.some((m) => m.type === 'CONNECTION_STATUS' && (m.message.connectionStatus as { status: string }).status === 'SUCCEEDED')) {
    problems.push('check with the bad config said SUCCEEDED');
  }
  return { name: 'check: fails cleanly with the bad config', problems };
}
