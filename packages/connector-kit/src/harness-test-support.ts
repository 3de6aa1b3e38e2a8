/**
 * What the harness tests share: a tiny source and destination, temporary --config/--catalog/--state
 * files, and `run`, which drives `runConnector` as a process would (argv, stdin, stdout, stderr).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';
import * as z from 'zod';
import type { AirbyteCatalog, AirbyteMessage, MessageOf } from '@sync/protocol';
import { log, record, streamState } from './builders.ts';
import type { Connector, Destination, Source } from './connector.ts';
import { ConnectorError } from './errors.ts';
import { runConnector } from './harness.ts';

const Config = z.object({
  api_key: z.string().startsWith('sk_').meta({ airbyte_secret: true }),
  fail_after: z.number().int().optional(),
  fail_with: z.enum(['transient', 'plain']).optional(),
});
type Config = z.infer<typeof Config>;

export const catalog: AirbyteCatalog = {
  streams: [
    {
      name: 'customers',
      json_schema: { type: 'object' },
      supported_sync_modes: ['full_refresh', 'incremental'],
      default_cursor_field: ['created'],
      source_defined_primary_key: [['id']],
    },
  ],
};

const source: Source<Config> = {
  name: 'source-tiny',
  configSchema: Config,
  check: async (config) =>
    config.api_key === 'sk_revoked' ? { status: 'FAILED', message: 'the API key was revoked' } : { status: 'SUCCEEDED' },
  discover: async () => catalog,
  read: async function* ({ config, catalog: configured, state }) {
    for (const { stream } of configured.streams) {
      const from = Number(state.get(stream.name)?.created ?? 0);
      yield log('INFO', `reading ${stream.name} from ${from}`);
      for (let i = 1; i <= 3; i++) {
        if (config.fail_after !== undefined && i > config.fail_after) {
          if (config.fail_with === 'plain') throw new Error('unexpected null in page');
          throw new ConnectorError('Stripe rate limit hit; retry later', {
            failureType: 'transient_error',
            stream: stream.name,
            cause: new Error('429 Too Many Requests'),
          });
        }
        yield record(stream.name, { id: `cus_${from + i}`, created: from + i }, 1);
      }
      yield streamState(stream.name, { created: from + 3 }, 3);
    }
  },
};

/** What `destination` was handed, in order; tests empty it first. */
export const received: AirbyteMessage[] = [];
export const destination: Destination<{ url: string }> = {
  name: 'destination-tiny',
  configSchema: z.object({ url: z.string() }),
  supportedSyncModes: ['append', 'append_dedup'],
  check: async () => ({ status: 'SUCCEEDED' }),
  write: async function* ({ messages }) {
    let committed = 0;
    for await (const message of messages) {
      received.push(message);
      if (message.type === 'RECORD') committed++;
      if (message.type === 'STATE') {
        yield { type: 'STATE', state: { ...message.state, destinationStats: { recordCount: committed } } };
        committed = 0;
      }
    }
  },
};

/**
 * Registers a temporary directory for the calling test file (created before its tests, removed after)
 * and returns `file`, which writes a value (a string as is, else JSON) to a new file in it and
 * returns its path: what --config, --catalog and --state are given.
 */
export function useTempFiles(): (value: unknown) => Promise<string> {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'protocol-harness-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  let files = 0;
  return async (value) => {
    const path = join(dir, `f${++files}.json`);
    await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };
}

/** A stdout or stderr that keeps what was written. */
export class Collect extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Runs `connector` as a process would: argv, stdin chunks; returns the exit code, stdout parsed, stderr. */
export async function run(connector: Connector<never>, argv: string[], stdin: string[] = []) {
  const stdout = new Collect();
  const stderr = new Collect();
  const code = await runConnector(connector as Connector<unknown>, { argv, stdin: Readable.from(stdin), stdout, stderr });
  const messages = stdout.text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as AirbyteMessage);
  return { code, messages, stderr: stderr.text };
}

/** The messages of one type. */
export function only<T extends AirbyteMessage['type']>(messages: AirbyteMessage[], type: T): MessageOf<T>[] {
  return messages.filter((m): m is MessageOf<T> => m.type === type);
}

export const tinySource = source as unknown as Connector<never>;
export const tinyDestination = destination as unknown as Connector<never>;
