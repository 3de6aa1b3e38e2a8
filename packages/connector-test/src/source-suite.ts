/**
 * The source suite: spec, check (good and bad config), discover, read, read again from the returned
 * state, stop a read right after some of its STATEs and resume it (source-durability.ts), read from
 * an absurd future state. Each step is one or more named checks in the report.
 */
import { configureCatalog, type AirbyteCatalog, type ConfiguredAirbyteCatalog } from '@sync/protocol';
import { compileSchema } from './airbyte-schema.ts';
import { endedWell, judgeLines, payloads } from './messages.ts';
import { analyzeRead, futureOf, type ReadAnalysis } from './read-analysis.ts';
import type { CheckResult } from './report.ts';
import { readArgv, sourceDurability } from './source-durability.ts';
import { checkBadConfig, checkGoodConfig, specChecks } from './spec-check.ts';
import { stateFileOf } from './state-file.ts';
import { jsonFile, runToEnd, type SuiteContext } from './suite-context.ts';

async function discover(context: SuiteContext): Promise<{ check: CheckResult; catalog?: AirbyteCatalog }> {
  const result = await runToEnd(context, ['discover', '--config', await jsonFile(context, 'config', context.file.config)]);
  const { messages, problems } = judgeLines(result.lines);
  problems.push(...endedWell(result, messages));
  const catalogs = payloads<AirbyteCatalog>(messages, 'CATALOG', 'catalog');
  if (catalogs.length !== 1) problems.push(`discover should print exactly one CATALOG; it printed ${catalogs.length}`);
  const catalog = catalogs[0]?.value;
  if (catalog) {
    if (catalog.streams.length === 0) problems.push('the catalog has no streams');
    const names = catalog.streams.map((s) => s.name);
    const twice = names.filter((n, i) => names.indexOf(n) !== i);
    if (twice.length > 0) problems.push(`stream names appear twice: ${twice.join(', ')}`);
    for (const stream of catalog.streams) {
      const compiled = compileSchema(stream.json_schema);
      if ('problem' in compiled) problems.push(`stream "${stream.name}": json_schema is not valid JSON Schema: ${compiled.problem}`);
    }
  }
  return { check: { name: 'discover: one valid CATALOG; every stream has a valid json_schema', problems }, ...(catalog ? { catalog } : {}) };
}

async function read(context: SuiteContext, catalog: ConfiguredAirbyteCatalog, state?: unknown) {
  const result = await runToEnd(context, await readArgv(context, catalog, state));
  const { messages, problems } = judgeLines(result.lines);
  problems.push(...endedWell(result, messages));
  return { problems, messages, analysis: analyzeRead(messages, catalog) };
}

function total(analysis: ReadAnalysis): number {
  return [...analysis.records.values()].reduce((a, b) => a + b, 0);
}

/** Problems of a second read whose records have cursors older than the newest the first read saw. */
function backwards(first: ReadAnalysis, second: ReadAnalysis): string[] {
  const problems: string[] = [];
  for (const [stream, min] of second.minCursor) {
    const max = first.maxCursor.get(stream);
    if (max !== undefined && min < max) {
      problems.push(`stream "${stream}": a record with cursor ${JSON.stringify(min)}, older than ${JSON.stringify(max)} already read before that state`);
    }
  }
  return problems;
}

/** The future state for each incremental stream: the file's `futureState`, else derived from the last states. */
function futureStates(context: SuiteContext, catalog: ConfiguredAirbyteCatalog, last: ReadAnalysis['lastStates']): unknown[] {
  const incremental = new Set(catalog.streams.filter((s) => s.sync_mode === 'incremental').map((s) => s.stream.name));
  const given = context.file.futureState;
  if (given) {
    return Object.entries(given)
      .filter(([stream]) => incremental.has(stream))
      .map(([stream, state]) => ({ type: 'STREAM', stream: { stream_descriptor: { name: stream }, stream_state: state } }));
  }
  return last
    .filter((s) => !s.stream || incremental.has(s.stream.stream_descriptor.name))
    .map(({ sourceStats: _drop, ...state }) => futureOf(state));
}

export async function sourceSuite(context: SuiteContext): Promise<CheckResult[]> {
  const checks = [await specChecks(context), await checkGoodConfig(context), await checkBadConfig(context)];
  const discovered = await discover(context);
  checks.push(discovered.check);
  if (!discovered.catalog) return checks;

  let catalog: ConfiguredAirbyteCatalog;
  try {
    catalog = configureCatalog(discovered.catalog, context.file.streams ? { streams: context.file.streams } : {});
  } catch (error) {
    checks.push({ name: 'read: configure the catalog', problems: [`"streams" of the conformance file: ${(error as Error).message}`] });
    return checks;
  }

  const first = await read(context, catalog);
  checks.push(
    { name: 'read: exits 0, every stdout line is a valid Airbyte message, no TRACE ERROR', problems: first.problems },
    { name: "read: records belong to configured streams and match their stream's json_schema", problems: first.analysis.recordProblems },
    { name: 'read: at least one STATE per stream, never the same state twice with records between', problems: first.analysis.stateProblems },
    context.file.sourceStats
      ? { name: 'read: sourceStats.recordCount of every STATE counts the records since the previous one', problems: first.analysis.statsProblems }
      : {
          name: 'read: sourceStats.recordCount of every STATE counts the records since the previous one',
          problems: [],
          notSupported: 'the conformance file says "sourceStats": false (optional in the Airbyte protocol)',
        },
  );
  if (total(first.analysis) === 0) {
    checks.push({ name: 'read: emits records', problems: ['read emitted no record: the test config should reach some data'] });
  }

  const again = await read(context, catalog, stateFileOf(first.analysis.lastStates));
  checks.push({
    name: 'read from the returned state: valid, and never goes backwards',
    problems: [...again.problems, ...again.analysis.recordProblems, ...again.analysis.stateProblems, ...backwards(first.analysis, again.analysis)],
  });
  checks.push(await sourceDurability(context, catalog, first.messages));

  const incremental = { streams: catalog.streams.filter((s) => s.sync_mode === 'incremental') };
  if (incremental.streams.length === 0) {
    checks.push({ name: 'read from an absurd future state: no records (no incremental stream: nothing to check)', problems: [] });
    return checks;
  }
  const future = await read(context, incremental, futureStates(context, incremental, first.analysis.lastStates));
  const problems = [...future.problems];
  for (const [stream, count] of future.analysis.records) {
    problems.push(`stream "${stream}" emitted ${count} records from a state in the year 3000 (set "futureState" in the conformance file if the derived state is wrong)`);
  }
  checks.push({ name: 'read from an absurd future state: no records', problems });
  return checks;
}
