/**
 * What a `read` printed, checked against the rules every source keeps (Airbyte protocol, "State &
 * Checkpointing": https://docs.airbyte.com/understanding-airbyte/airbyte-protocol#state--checkpointing):
 * records belong to configured streams and match their schema; at least one STATE per stream; never
 * the same state twice with records between; `sourceStats.recordCount` counts the records since the
 * previous STATE of that stream (of any stream, for GLOBAL and LEGACY states).
 */
import type { ValidateFunction } from 'ajv';
import { canonicalJson, type ConfiguredAirbyteCatalog } from '@sync/protocol';
import { compileSchema, describeErrors } from './airbyte-schema.ts';
import type { WireMessage } from './messages.ts';
import type { WireState } from './state-file.ts';

export interface ReadAnalysis {
  records: Map<string, number>;
  /** Largest cursor value per incremental stream (numbers, or strings compared as text). */
  maxCursor: Map<string, number | string>;
  /** Smallest cursor value per incremental stream. */
  minCursor: Map<string, number | string>;
  /** The last STATE of each stream (and the last GLOBAL/LEGACY one), in Airbyte's state-file shape. */
  lastStates: WireState[];
  recordProblems: string[];
  stateProblems: string[];
  statsProblems: string[];
}

const GLOBAL_KEY = '\u0000global';

function at(data: unknown, path: readonly string[]): unknown {
  let value = data;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

export function analyzeRead(messages: readonly WireMessage[], catalog: ConfiguredAirbyteCatalog): ReadAnalysis {
  const configured = new Map(catalog.streams.map((s) => [s.stream.name, s]));
  const validators = new Map<string, ValidateFunction | undefined>();
  const analysis: ReadAnalysis = {
    records: new Map(),
    maxCursor: new Map(),
    minCursor: new Map(),
    lastStates: [],
    recordProblems: [],
    stateProblems: [],
    statsProblems: [],
  };
  /** Records since the previous STATE, per stream and in total (GLOBAL_KEY). */
  const since = new Map<string, number>();
  const previous = new Map<string, string>();
  const last = new Map<string, WireState>();

  for (const { number, type, message } of messages) {
    if (type === 'RECORD') {
      const record = message.record as { stream: string; data: Record<string, unknown> };
      const stream = configured.get(record.stream);
      if (!stream) {
        analysis.recordProblems.push(`line ${number}: RECORD of stream "${record.stream}", which is not in the configured catalog`);
        continue;
      }
      analysis.records.set(record.stream, (analysis.records.get(record.stream) ?? 0) + 1);
      since.set(record.stream, (since.get(record.stream) ?? 0) + 1);
      since.set(GLOBAL_KEY, (since.get(GLOBAL_KEY) ?? 0) + 1);
      if (!validators.has(record.stream)) {
        const compiled = compileSchema(stream.stream.json_schema);
        validators.set(record.stream, 'validate' in compiled ? compiled.validate : undefined);
      }
      const validate = validators.get(record.stream);
      if (validate && !validate(record.data)) {
        analysis.recordProblems.push(`line ${number}: RECORD of "${record.stream}" does not match its json_schema: ${describeErrors(validate.errors)}`);
      }
      if (stream.sync_mode === 'incremental' && stream.cursor_field?.length) {
        const cursor = at(record.data, stream.cursor_field);
        if (typeof cursor === 'number' || typeof cursor === 'string') {
          const max = analysis.maxCursor.get(record.stream);
          const min = analysis.minCursor.get(record.stream);
          if (max === undefined || cursor > max) analysis.maxCursor.set(record.stream, cursor);
          if (min === undefined || cursor < min) analysis.minCursor.set(record.stream, cursor);
        }
      }
    } else if (type === 'STATE') {
      const state = message.state as WireState;
      const stream = state.stream?.stream_descriptor.name;
      const key = stream ?? GLOBAL_KEY;
      const blob = canonicalJson(state.stream?.stream_state ?? state.global ?? state.data ?? {});
      const recordsBetween = since.get(key) ?? 0;
      if (stream !== undefined && !configured.has(stream)) {
        analysis.stateProblems.push(`line ${number}: STATE of stream "${stream}", which is not in the configured catalog`);
      }
      if (previous.get(key) === blob && recordsBetween > 0) {
        analysis.stateProblems.push(
          `line ${number}: the same STATE${stream ? ` of "${stream}"` : ''} as before, with ${recordsBetween} records between (a resume would read them again forever)`,
        );
      }
      const count = state.sourceStats?.recordCount;
      if (typeof count !== 'number') analysis.statsProblems.push(`line ${number}: STATE without sourceStats.recordCount`);
      else if (count !== recordsBetween) {
        analysis.statsProblems.push(
          `line ${number}: STATE${stream ? ` of "${stream}"` : ''} says sourceStats.recordCount ${count}, but ${recordsBetween} records came since the previous one`,
        );
      }
      previous.set(key, blob);
      last.set(key, state);
      since.set(key, 0);
      if (key === GLOBAL_KEY) for (const k of since.keys()) since.set(k, 0);
    }
  }
  for (const name of configured.keys()) {
    if (!last.has(name) && !last.has(GLOBAL_KEY)) analysis.stateProblems.push(`stream "${name}" got no STATE (every stream needs at least one)`);
  }
  analysis.lastStates = [...last.values()];
  return analysis;
}

/** Year 3000: far enough that no real data has a cursor past it. */
const FUTURE_SECONDS = 32503680000;

/**
 * A state "absurdly in the future", derived from a real one: epoch seconds and milliseconds become
 * the year 3000, ISO dates become 3000-01-01; everything else (ids, counts) is kept.
 */
export function futureOf(value: unknown): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (value >= 1e9 && value < 1e11) return FUTURE_SECONDS;
    if (value >= 1e11 && value < 1e14) return FUTURE_SECONDS * 1000;
    return value;
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) {
    return value.length === 10 ? '3000-01-01' : '3000-01-01T00:00:00Z';
  }
  if (Array.isArray(value)) return value.map(futureOf);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, futureOf(v)]));
  }
  return value;
}
