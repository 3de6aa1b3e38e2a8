/**
 * Helpers for this package's tests: a random schema per test file, catalogs, and running the
 * destination in-process through the protocol harness.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import type { AirbyteMessage, ConfiguredAirbyteCatalog, ConfiguredAirbyteStream, MessageOf } from '@sync/protocol';
import { runConnector } from '@sync/connector-kit';
import { postgresDestination } from './destination.ts';

/**
 * A test file's own schema on the test database: `pool` opens before the file's tests and the schema
 * is dropped after them.
 */
export function useTestSchema(): { url: string; schema: string; config: { url: string; schema: string }; readonly pool: pg.Pool } {
  const url = inject('databaseUrl');
  const schema = randomSchema();
  let pool: pg.Pool | undefined;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: url });
  });
  afterAll(async () => {
    await pool!.query(`drop schema if exists ${pg.escapeIdentifier(schema)} cascade`);
    await pool!.end();
  });
  return {
    url,
    schema,
    config: { url, schema },
    get pool() {
      return pool!;
    },
  };
}

/** A schema name no other test file uses. */
export function randomSchema(prefix = 'dest_pg_test'): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A configured stream: primary key `[["id"]]` unless given, cursor `updated` unless `null`. */
export function configuredStream(
  name: string,
  options: { primaryKey?: string[][]; cursor?: string[] | null } = {},
): ConfiguredAirbyteStream {
  const cursor = options.cursor === undefined ? ['updated'] : options.cursor;
  const primaryKey = options.primaryKey ?? [['id']];
  return {
    stream: {
      name,
      json_schema: { type: 'object' },
      supported_sync_modes: ['full_refresh', 'incremental'],
      ...(cursor ? { default_cursor_field: cursor } : {}),
      source_defined_primary_key: primaryKey,
    },
    sync_mode: cursor ? 'incremental' : 'full_refresh',
    destination_sync_mode: primaryKey.length > 0 ? 'append_dedup' : 'append',
    ...(cursor ? { cursor_field: cursor } : {}),
  };
}

export function catalogOf(...streams: ConfiguredAirbyteStream[]): ConfiguredAirbyteCatalog {
  return { streams };
}

export function recordLine(stream: string, data: Record<string, unknown>): AirbyteMessage {
  return { type: 'RECORD', record: { stream, data, emitted_at: 1_700_000_000_000 } };
}

export function stateLine(stream: string, cursor: unknown, recordCount?: number): AirbyteMessage {
  return {
    type: 'STATE',
    state: {
      type: 'STREAM',
      stream: { stream_descriptor: { name: stream }, stream_state: { cursor } },
      ...(recordCount === undefined ? {} : { sourceStats: { recordCount } }),
    },
  };
}

export function ndjson(messages: readonly AirbyteMessage[]): string {
  return messages.map((m) => `${JSON.stringify(m)}\n`).join('');
}

export interface WriteRun {
  code: number;
  /** Messages the destination wrote to stdout. */
  output: AirbyteMessage[];
  stderr: string;
}

/**
 * Runs `write` in-process with `messages` on stdin (a Readable to feed it while it runs). `onMessage`
 * is awaited for each output message before the destination may go on (the stdout stream holds one
 * message), so it can query the database at the exact moment a STATE is acknowledged.
 */
export async function runWrite(options: {
  config: Record<string, unknown>;
  catalog: ConfiguredAirbyteCatalog;
  messages: readonly AirbyteMessage[] | string | Readable;
  onMessage?: (message: AirbyteMessage) => Promise<void>;
}): Promise<WriteRun> {
  const dir = await mkdtemp(join(tmpdir(), 'dest-pg-test-'));
  try {
    const configPath = join(dir, 'config.json');
    const catalogPath = join(dir, 'catalog.json');
    await writeFile(configPath, JSON.stringify(options.config));
    await writeFile(catalogPath, JSON.stringify(options.catalog));
    const output: AirbyteMessage[] = [];
    let stderr = '';
    let pending = '';
    const stdout = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, callback) {
        pending += chunk.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        const messages = lines.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as AirbyteMessage);
        output.push(...messages);
        (async () => {
          for (const message of messages) await options.onMessage?.(message);
        })().then(() => callback(), callback);
      },
    });
    const stderrStream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        stderr += chunk.toString();
        callback();
      },
    });
    const { messages } = options;
    const stdin = messages instanceof Readable ? messages : Readable.from([typeof messages === 'string' ? messages : ndjson(messages)]);
    const code = await runConnector(postgresDestination, {
      argv: ['write', '--config', configPath, '--catalog', catalogPath],
      stdin,
      stdout,
      stderr: stderrStream,
    });
    return { code, output, stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Rows of `schema.table` ordered by key: `{ key, data }`, where key is the first column. */
export async function rowsOf(pool: pg.Pool, schema: string, table: string, keyColumn = 'id'): Promise<{ key: string; data: Record<string, unknown> }[]> {
  const { rows } = await pool.query<{ key: string; data: Record<string, unknown> }>(
    `select ${pg.escapeIdentifier(keyColumn)} as key, _raw_data as data from ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)} order by 1`,
  );
  return rows;
}

/** The `_deleted` column of every row of `schema.table`, with its key: `{ key, deleted }` ordered by key. */
export async function deletedFlagsOf(pool: pg.Pool, schema: string, table: string, keyColumn = 'id'): Promise<{ key: string; deleted: boolean }[]> {
  const { rows } = await pool.query<{ key: string; deleted: boolean }>(
    `select ${pg.escapeIdentifier(keyColumn)} as key, _deleted as deleted from ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)} order by 1, 2`,
  );
  return rows;
}

/** The TRACE ERRORs among a write's output messages. */
export function errorsOf(output: readonly AirbyteMessage[]): NonNullable<MessageOf<'TRACE'>['trace']['error']>[] {
  return output.flatMap((m) => (m.type === 'TRACE' && m.trace.error ? [m.trace.error] : []));
}

export async function countOf(pool: pg.Pool, schema: string, table: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `select count(*) as n from ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`,
  );
  return Number(rows[0]?.n);
}
