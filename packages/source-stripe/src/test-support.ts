/** Helpers for this package's tests: run the connector in-process with temp files, like the engine would. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runConnector, type AirbyteMessage, type StateMessage, type Source } from '@sync/protocol';
import type { StripeSourceConfig } from './config.ts';
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

/** A seeded pseudo-random generator (mulberry32) for tests that shuffle. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

export function recordsOf(messages: readonly AirbyteMessage[], stream?: string): Array<Record<string, unknown>> {
  return messages.flatMap((m) => (m.type === 'RECORD' && (!stream || m.record.stream === stream) ? [m.record.data] : []));
}

export function statesOf(messages: readonly AirbyteMessage[], stream?: string) {
  return messages.flatMap((m) => (m.type === 'STATE' && m.state.stream && (!stream || m.state.stream.stream_descriptor.name === stream) ? [m.state] : []));
}

/** The last STATE of every stream, as a state file. */
export function stateFile(messages: readonly AirbyteMessage[]): StateMessage[] {
  const last = new Map<string, StateMessage>();
  for (const state of statesOf(messages)) last.set(state.stream!.stream_descriptor.name, state);
  return [...last.values()];
}
