/** Helpers for this package's tests: run the connector in-process with temp files, like the engine would. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { AirbyteMessage, AirbyteStateMessage } from '@sync/protocol';
import { runConnector, type Source } from '@sync/connector-kit';
import type { StripeSourceConfig } from './config.ts';
import type { PassState, StripeStreamState } from './state.ts';
import { stripeCatalog } from './source.ts';

export interface RunResult {
  code: number;
  messages: AirbyteMessage[];
  stderr: string;
}

/** Runs one connector command with `files` (name → JSON content) written to a temp dir and passed as --name FILE. */
export async function run(source: Source<StripeSourceConfig>, command: string, files: Record<string, unknown>): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'source-stripe-test-'));
  try {
    const argv = [command];
    for (const [name, content] of Object.entries(files)) {
      const path = join(dir, `${name}.json`);
      await writeFile(path, JSON.stringify(content));
      argv.push(`--${name}`, path);
    }
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => out.push(chunk));
    stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const code = await runConnector(source, { argv, stdin: new PassThrough(), stdout, stderr });
    const text = Buffer.concat(out).toString('utf8').trim();
    return { code, messages: text ? text.split('\n').map((line) => JSON.parse(line) as AirbyteMessage) : [], stderr: Buffer.concat(err).toString('utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A configured catalog of `streams` (default all), incremental where supported unless `fullRefresh`. */
export function catalogOf(streams?: readonly string[], fullRefresh = false) {
  const all = stripeCatalog().streams;
  return {
    streams: (streams ?? all.map((s) => s.name)).map((name) => {
      const stream = all.find((s) => s.name === name) ?? { name, json_schema: {}, supported_sync_modes: ['full_refresh'] };
      const incremental = !fullRefresh && stream.supported_sync_modes.includes('incremental');
      return {
        stream,
        sync_mode: incremental ? 'incremental' : 'full_refresh',
        destination_sync_mode: 'append_dedup',
        ...(incremental ? { cursor_field: ['created'] } : {}),
        primary_key: [['id']],
      };
    }),
  };
}

/**
 * Whether a pass state claims `object` done: outside every range still to read, or a boundary id
 * already emitted. What a checkpoint must never claim of a record not yet emitted.
 */
export function passClaims(pass: PassState, object: Record<string, unknown>): boolean {
  // A pass without ranges pages a list without a `created` filter: its progress is a position in the
  // list (`after`), which one object alone cannot be placed against (see claimedBy). Claim nothing.
  if (pass.todo === undefined) return false;
  const created = object.created as number;
  const id = object.id as string;
  return !(pass.todo ?? []).some((r) => {
    if (created < r.gte || (r.lte !== undefined && created > r.lte)) return false;
    return !(created === r.lte && r.lte_ids?.includes(id)) && !(created === r.gte && r.gte_ids?.includes(id));
  });
}

/**
 * Whether a stream state claims `object` emitted: by its pass under way, else by its cursor (and
 * cursor ids), else, for a stream kept current by events whose list has no `created` filter (its
 * state is the event cursor alone), by its completed backfill: every object there was.
 */
export function stateClaims(state: StripeStreamState, object: Record<string, unknown>): boolean {
  if (state.pass) return passClaims(state.pass, object);
  if (state.cursor === undefined) return state.events !== undefined;
  const created = object.created as number;
  return created < state.cursor || (created === state.cursor && (state.cursor_ids ?? []).includes(object.id as string));
}

/**
 * The ids of `served` (a stream's objects in list order, newest first, as the emulator serves them)
 * that a stream state claims emitted: `stateClaims`, and for a pass down a list without a `created`
 * filter, every object up to and including its `after`.
 */
export function claimedBy(state: StripeStreamState, served: ReadonlyArray<Record<string, unknown>>): Set<string> {
  if (state.pass && state.pass.todo === undefined) {
    const at = state.pass.after === undefined ? -1 : served.findIndex((o) => o.id === state.pass!.after);
    return new Set(served.slice(0, at + 1).map((o) => String(o.id)));
  }
  return new Set(served.filter((o) => stateClaims(state, o)).map((o) => String(o.id)));
}

export function recordsOf(messages: readonly AirbyteMessage[], stream?: string): Array<Record<string, unknown>> {
  return messages.flatMap((m) => (m.type === 'RECORD' && (!stream || m.record.stream === stream) ? [m.record.data] : []));
}

export function statesOf(messages: readonly AirbyteMessage[], stream?: string) {
  return messages.flatMap((m) => (m.type === 'STATE' && m.state.stream && (!stream || m.state.stream.stream_descriptor.name === stream) ? [m.state] : []));
}

/** The last STATE of every stream, as a state file. */
export function stateFile(messages: readonly AirbyteMessage[]): AirbyteStateMessage[] {
  const last = new Map<string, AirbyteStateMessage>();
  for (const state of statesOf(messages)) last.set(state.stream!.stream_descriptor.name, state);
  return [...last.values()];
}
