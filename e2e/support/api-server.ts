/**
 * `sync serve` as a user runs it, for the HTTP API's end-to-end tests: a database of its own on the
 * test Postgres (the state store's `sync` schema and graphile-worker's schema are one per database,
 * so each test file gets a database, not only a schema), with a login role that has a password (the
 * destination's URL carries it, so the tests can look for it everywhere), and the real CLI process
 * (`node apps/cli/bin/sync.js serve`) with its stdout and stderr kept for the secret search.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import pg from 'pg';
import { cliEnv, repoRoot, syncBin } from './cli.ts';
import { databaseUrl, query } from './database.ts';
import { running } from './processes.ts';

/** A database made for one test file, owned by a role that logs in with a password. */
export interface TestDatabase {
  /** Database (and role) name, `api_<8 hex>`. */
  name: string;
  /** The test Postgres's own URL with this database: the server's DATABASE_URL. */
  adminUrl: string;
  /** `postgres://<role>:<password>@host:port/<database>`: the destination's URL. */
  ownerUrl: string;
  /** The role's password: a secret no output may show. */
  password: string;
  /** Runs one statement in this database (as the test Postgres's user). */
  query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Every row of `schema.table` as `{ id, raw }`, ordered by id (as support/database.ts `tableRows`). */
  tableRows(schema: string, table: string): Promise<{ id: string; raw: Record<string, unknown> }[]>;
  /** Drops the database (closing its connections) and the role. */
  drop(): Promise<void>;
}

/**
 * Creates a database and its owner role (LOGIN, with a random password) on the test Postgres.
 *
 * @throws Error from Postgres when the test Postgres's user cannot create roles or databases.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `api_${randomBytes(4).toString('hex')}`;
  const password = `pgpw-${randomBytes(8).toString('hex')}`;
  await query(`create role "${name}" login password '${password}'`);
  await query(`create database "${name}" owner "${name}"`);
  const admin = new URL(databaseUrl());
  admin.pathname = `/${name}`;
  const owner = new URL(admin);
  owner.username = name;
  owner.password = password;
  const inDatabase = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    name,
    adminUrl: admin.toString(),
    ownerUrl: owner.toString(),
    password,
    query: inDatabase,
    tableRows: (schema, table) => inDatabase(`select id, _raw_data as raw from "${schema}"."${table}" order by id`),
    async drop() {
      await query(`drop database if exists "${name}" with (force)`);
      await query(`drop role if exists "${name}"`);
    },
  };
}

/** A running `sync serve`. */
export interface ApiServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The bearer token (SYNC_API_TOKEN) it was started with. */
  token: string;
  /** Everything it printed so far, stdout then stderr. */
  output(): string;
  /** SIGTERM, then waits for the process to exit; removes its SYNC_HOME. Returns its exit code. */
  stop(): Promise<number | undefined>;
}

/** Options of `startApiServer`. */
export interface ApiServerOptions {
  /** The server's DATABASE_URL. */
  databaseUrl: string;
  /** In-process workers (`--workers`); default 1. */
  workers?: number;
  /** More environment for the server (such as SYNC_FROM_SOURCE). */
  env?: Record<string, string | undefined>;
}

/**
 * Starts `sync serve --port 0 --log-level debug` (every request logged, so the secret search reads
 * the most the server can say) with SYNC_API_TOKEN set to a random token and SYNC_HOME in a fresh
 * temp dir, and waits for its `listening on <url>` line.
 *
 * @throws Error with the server's output when it exits before listening.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const home = await mkdtemp(join(tmpdir(), 'sync-api-e2e-'));
  const token = `api-token-${randomBytes(12).toString('hex')}`;
  const env = cliEnv({ DATABASE_URL: options.databaseUrl, SYNC_HOME: home, SYNC_API_TOKEN: token, ...options.env });
  const args = [syncBin, 'serve', '--port', '0', '--workers', String(options.workers ?? 1), '--log-level', 'debug'];
  const child: ResultPromise = execa(process.execPath, args, { env, extendEnv: false, stdin: 'ignore', cwd: repoRoot, reject: false, buffer: false });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => (stdout += chunk));
  const exited = child.then((result) => result.exitCode);
  const listening = new Promise<string>((resolve) => {
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+) /.exec(stderr);
      if (match) resolve(match[1]!);
    });
  });
  const url = await Promise.race([
    listening,
    exited.then((code) => {
      throw new Error(`sync serve exited (code ${String(code)}) before listening:\n${stdout}${stderr}`);
    }),
  ]);
  let stopped: Promise<number | undefined> | undefined;
  return {
    url,
    token,
    output: () => `${stdout}${stderr}`,
    stop() {
      stopped ??= (async () => {
        if (running(child.pid!)) process.kill(child.pid!, 'SIGTERM');
        const code = await exited;
        await rm(home, { recursive: true, force: true });
        return code;
      })();
      return stopped;
    },
  };
}
