/**
 * The source durability check: a STATE must not claim more than the records before it.
 *
 * Rule (Airbyte protocol, "State & Checkpointing":
 * https://docs.airbyte.com/understanding-airbyte/airbyte-protocol#state--checkpointing): a source
 * emits a STATE only once every record it covers has been emitted before it, so that a run stopped
 * right after that STATE and resumed from it loses nothing. The engine relies on it: it persists a
 * state once the destination has committed the records before it, and the next run hands that state
 * back to the source.
 *
 * How: for a few STATEs of a clean full read, spread over it (the first, the last and some between,
 * always the same ones), the suite reads again, stops the source with SIGKILL as soon as that STATE
 * is printed, and resumes it from the states printed so far (the latest per stream, as the engine
 * hands them back). The primary keys of the records before the STATE plus those of the resumed read
 * must cover every primary key of the clean read, for every stream that has a primary key.
 */
import { canonicalJson, type ConfiguredAirbyteCatalog } from '@sync/protocol';
import { howItEnded, type OutputLine } from './connector-run.ts';
import { endedWell, judgeLines, type WireMessage } from './messages.ts';
import type { CheckResult } from './report.ts';
import { stateFileOf, stateKey, type WireState } from './state-file.ts';
import { jsonFile, runToEnd, startCommand, type SuiteContext } from './suite-context.ts';

/** How many STATEs of the clean read the check stops after (at most). */
export const DURABILITY_SAMPLES = 4;

/** Keys printed per stream in a report before "… and N more". */
const KEYS_SHOWN = 5;

/** The argv of `read`, with the state file when `state` is given (undefined: no `--state`). */
export async function readArgv(context: SuiteContext, catalog: ConfiguredAirbyteCatalog, state?: unknown): Promise<string[]> {
  const argv = ['read', '--config', await jsonFile(context, 'config', context.file.config), '--catalog', await jsonFile(context, 'catalog', catalog)];
  if (state !== undefined) argv.push('--state', await jsonFile(context, 'state', state));
  return argv;
}

/**
 * Which of `count` items to sample, at most `most` of them, spread evenly and always the same:
 * `spread(10, 4)` → `[0, 3, 6, 9]`; `spread(3, 4)` → `[0, 1, 2]`.
 */
export function spread(count: number, most: number): number[] {
  if (count <= most) return Array.from({ length: count }, (_, i) => i);
  if (most === 1) return [count - 1];
  const picks = Array.from({ length: most }, (_, i) => Math.round((i * (count - 1)) / (most - 1)));
  return [...new Set(picks)];
}

/** One STATE of a read: the `occurrence`-th (1-based) of its key (stream name, `''` for GLOBAL/LEGACY). */
interface Checkpoint {
  key: string;
  occurrence: number;
  state: WireState;
}

function checkpointsOf(messages: readonly WireMessage[]): Checkpoint[] {
  const seen = new Map<string, number>();
  return messages
    .filter((m) => m.type === 'STATE')
    .map((m) => {
      const state = m.message.state as WireState;
      const key = stateKey(state);
      seen.set(key, (seen.get(key) ?? 0) + 1);
      return { key, occurrence: seen.get(key)!, state };
    });
}

function at(data: unknown, path: readonly string[]): unknown {
  let value = data;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** Stream → the primary keys of its records (as canonical JSON text), for the streams that have a primary key. */
type Keys = Map<string, Set<string>>;

function keysOf(messages: readonly WireMessage[], primaryKeys: ReadonlyMap<string, string[][]>): Keys {
  const keys: Keys = new Map([...primaryKeys.keys()].map((stream) => [stream, new Set<string>()]));
  for (const m of messages) {
    if (m.type !== 'RECORD') continue;
    const record = m.message.record as { stream: string; data: unknown };
    const pk = primaryKeys.get(record.stream);
    if (!pk) continue;
    const values = pk.map((path) => at(record.data, path));
    keys.get(record.stream)!.add(canonicalJson(values.length === 1 ? values[0] : values));
  }
  return keys;
}

function describe(checkpoint: Checkpoint): string {
  const state = checkpoint.state;
  const text = canonicalJson(state.stream?.stream_state ?? state.global ?? state.data ?? {});
  const blob = text.length > 120 ? `${text.slice(0, 120)}…` : text;
  const which = checkpoint.key === '' ? 'GLOBAL/LEGACY STATE' : `STATE of "${checkpoint.key}"`;
  return `stopped after ${which} #${checkpoint.occurrence} ${blob} and resumed from it`;
}

const isStateOf = (key: string) => (line: OutputLine) => {
  const message = line.json as { type?: unknown; state?: WireState } | undefined;
  return message?.type === 'STATE' && message.state !== undefined && stateKey(message.state) === key;
};

/**
 * Reads again and stops right after the checkpoint's STATE (SIGKILL), as a crash would.
 *
 * @returns the messages up to and including that STATE, or a problem when the read printed no STATE
 *   of that key this time. When the read ends before the `occurrence`-th STATE, it stops at the last
 *   one it printed (a source may checkpoint less often on a faster run).
 */
async function readUntil(context: SuiteContext, catalog: ConfiguredAirbyteCatalog, checkpoint: Checkpoint): Promise<{ messages: WireMessage[] } | { problem: string }> {
  const source = startCommand(context, await readArgv(context, catalog));
  let cut: OutputLine | undefined;
  for (let seen = 0; seen < checkpoint.occurrence; seen++) {
    const line = await source.waitFor(isStateOf(checkpoint.key), cut?.number ?? 0);
    if (!line) break;
    cut = line;
  }
  const result = await source.kill();
  if (!cut) {
    const which = checkpoint.key === '' ? 'GLOBAL/LEGACY STATE' : `STATE of "${checkpoint.key}"`;
    return { problem: `read again to stop it after a ${which}, it ended (${howItEnded(result)}) without printing one, though the first read did` };
  }
  const upTo = cut.number;
  return { messages: judgeLines(result.lines.filter((l) => l.number <= upTo)).messages };
}

/**
 * Runs the source durability check on the messages of a clean full read of `catalog`.
 *
 * @returns one check; its problems name the STATE, the stream and the primary keys lost, or how the
 *   resumed read failed. `notSupported` when no configured stream has a primary key.
 */
export async function sourceDurability(context: SuiteContext, catalog: ConfiguredAirbyteCatalog, clean: readonly WireMessage[]): Promise<CheckResult> {
  const name = 'read stopped (SIGKILL) right after a STATE and resumed from it: no primary key lost, the resumed read ends cleanly';
  const primaryKeys = new Map(
    catalog.streams.filter((s) => s.primary_key?.length).map((s) => [s.stream.name, s.primary_key!] as const),
  );
  if (primaryKeys.size === 0) return { name, problems: [], notSupported: 'no configured stream has a primary key to compare' };
  const checkpoints = checkpointsOf(clean);
  if (checkpoints.length === 0) return { name, problems: [], notSupported: 'the read printed no STATE to stop after' };
  const expected = keysOf(clean, primaryKeys);

  const problems: string[] = [];
  for (const index of spread(checkpoints.length, DURABILITY_SAMPLES)) {
    const checkpoint = checkpoints[index]!;
    const what = describe(checkpoint);
    const before = await readUntil(context, catalog, checkpoint);
    if ('problem' in before) {
      problems.push(before.problem);
      continue;
    }
    const states = before.messages.filter((m) => m.type === 'STATE').map((m) => m.message.state as WireState);
    const resumed = await runToEnd(context, await readArgv(context, catalog, stateFileOf(states)));
    const judged = judgeLines(resumed.lines);
    for (const problem of [...judged.problems, ...endedWell(resumed, judged.messages)]) problems.push(`${what}: ${problem}`);
    const got = keysOf([...before.messages, ...judged.messages], primaryKeys);
    for (const [stream, keys] of expected) {
      const missing = [...keys].filter((k) => !got.get(stream)!.has(k));
      if (missing.length === 0) continue;
      const shown = missing.slice(0, KEYS_SHOWN).join(', ');
      const more = missing.length > KEYS_SHOWN ? ` … and ${missing.length - KEYS_SHOWN} more` : '';
      problems.push(
        `${what}: stream "${stream}" lost ${missing.length} of ${keys.size} primary keys (in neither the records before that STATE nor the resumed read): ${shown}${more}`,
      );
    }
  }
  return { name, problems };
}
