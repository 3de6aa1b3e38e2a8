/**
 * The CLI drives a server (issue 14): `sync serve` runs as a real process on a database of its own;
 * `sync pipelines create|list|show|delete` and `sync run --server … --pipeline …` talk to it over
 * HTTP with the token it wrote to $SYNC_HOME/api-token, and the CLI itself has no DATABASE_URL. The
 * run's data lands in the server's database exactly as the Stripe emulator serves it; Ctrl-C cancels
 * the run on the server; a run that fails there exits 1 with its error.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEmulator } from '@sync/stripe-emulator';
import { cliEnv, runCli, startCli } from './support/cli.ts';
import { databaseUrl, freshSchema, query } from './support/database.ts';
import { API_KEY, servedRows, startEmulator } from './support/stripe.ts';

const MASK = '**********';

describe('sync pipelines and sync run --server against sync serve', () => {
  // A database of its own: the server's job queue (graphile-worker) is then this server's alone.
  const database = freshSchema('cli_remote');
  const serverDatabaseUrl = (() => {
    const url = new URL(databaseUrl());
    url.pathname = `/${database}`;
    return url.href;
  })();
  const schema = freshSchema('cr');
  const id = `remote-${schema.replace('_', '-')}`;
  let emulator: StripeEmulator;
  let home: string;
  let server: ReturnType<typeof startCli>;
  let serverUrl: string;
  let serverLog = '';
  let env: NodeJS.ProcessEnv;

  const sync = (...args: string[]) => runCli(args, env);

  /** Rows of `table` in the server's database, as `servedRows` orders them. */
  async function serverRows(table: string): Promise<{ id: string; raw: Record<string, unknown> }[]> {
    const client = new pg.Client({ connectionString: serverDatabaseUrl });
    await client.connect();
    try {
      return (await client.query<{ id: string; raw: Record<string, unknown> }>(`select id, _raw_data as raw from "${schema}"."${table}" order by id`)).rows;
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    await query(`create database "${database}"`);
    emulator = await startEmulator({ objects: 1_500, seed: 'cli-remote' });
    home = await mkdtemp(join(tmpdir(), 'sync-cli-remote-'));
    server = startCli(['serve', '--port', '0'], cliEnv({ DATABASE_URL: serverDatabaseUrl, SYNC_HOME: home }));
    server.stderr!.setEncoding('utf8');
    server.stderr!.on('data', (chunk: string) => (serverLog += chunk));
    const exited = server.then((result) => {
      throw new Error(`sync serve exited with ${String(result.exitCode)} before listening: ${serverLog}`);
    });
    exited.catch(() => {});
    while (!/listening on http:\/\/\S+ /.test(serverLog)) await Promise.race([once(server.stderr!, 'data'), exited]);
    serverUrl = serverLog.match(/listening on (http:\/\/\S+) /)![1]!;
    // The CLI finds the token where the server wrote it (same SYNC_HOME), and has no database.
    env = cliEnv({ SYNC_HOME: home, STRIPE_API_KEY: API_KEY, STRIPE_BASE_URL: emulator.url });
  });

  afterAll(async () => {
    if (server) {
      server.kill('SIGTERM');
      await server;
    }
    await emulator?.close();
    if (home) await rm(home, { recursive: true, force: true });
    await query(`drop database if exists "${database}" with (force)`);
  });

  it('creates, lists and shows a pipeline, runs it to the emulator\'s data, then deletes it', async () => {
    const created = await sync('pipelines', 'create', '--server', serverUrl, '--id', id, '--source', 'stripe', '--dest', 'postgres', '--dest-config', JSON.stringify({ schema }), '--streams', 'customers,products');
    expect(created.exitCode, created.stderr).toBe(0);
    expect(created.stdout).toContain(`created pipeline ${id}: stripe → postgres`);

    // SYNC_SERVER instead of --server.
    env = { ...env, SYNC_SERVER: serverUrl };
    const listed = await sync('pipelines', 'list');
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+stripe → postgres\\s+never run`, 'm'));
    const before = JSON.parse((await sync('pipelines', 'show', id, '--json')).stdout) as { source: { config: Record<string, unknown> }; streams: { name: string }[] };
    expect(before.source.config).toEqual({ api_key: MASK, base_url: emulator.url });
    expect(before.streams.map((s) => s.name)).toEqual(['customers', 'products']);

    const run = await sync('run', '--server', serverUrl, '--pipeline', id, '--plain');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^run \S+ of pipeline .+ queued on http:/m);
    expect(run.stderr).toMatch(/^customers: complete$/m);
    expect(run.stdout).toMatch(/^customers\s+[\d,]+\s+[\d,]+\s+complete$/m);
    expect(run.stdout).toMatch(/succeeded in [\d.]+ s: [\d,]+ records committed/);
    for (const table of ['customers', 'products']) {
      expect(servedRows(emulator, table).length).toBeGreaterThan(0);
      expect(await serverRows(table)).toEqual(servedRows(emulator, table));
    }

    const after = JSON.parse((await sync('pipelines', 'show', id, '--json')).stdout) as { last_run: { status: string; streams: Record<string, { records_committed: number }> } };
    expect(after.last_run.status).toBe('succeeded');
    expect(after.last_run.streams.customers!.records_committed).toBe(servedRows(emulator, 'customers').length);
    expect((await sync('pipelines', 'list')).stdout).toMatch(new RegExp(`^${id}\\s+.+\\s+succeeded\\s+\\d{4}-`, 'm'));

    const deleted = await sync('pipelines', 'delete', id);
    expect(deleted.exitCode, deleted.stderr).toBe(0);
    const gone = await sync('pipelines', 'show', id);
    expect(gone.exitCode).toBe(1);
    expect(gone.stderr).toBe(`sync: error: 404 pipeline "${id}" does not exist`);
  });

  it('cancels the run on the server at Ctrl-C, says so, and exits 1', async () => {
    // Every stream, each page 100 ms late: the run is still going when its first checkpoint is logged.
    const slow = await startEmulator({ objects: 3_000, seed: 'cli-remote-slow', latencyMs: 100 });
    const cancelled = `${id}-cancel`;
    try {
      const created = await sync('pipelines', 'create', '--server', serverUrl, '--id', cancelled, '--source', 'stripe', '--source-config', JSON.stringify({ base_url: slow.url }), '--dest', 'postgres', '--dest-config', JSON.stringify({ schema: `${schema}_c` }));
      expect(created.exitCode, created.stderr).toBe(0);
      const cli = startCli(['run', '--server', serverUrl, '--pipeline', cancelled, '--plain'], env);
      let stderr = '';
      cli.stderr!.setEncoding('utf8');
      cli.stderr!.on('data', (chunk: string) => (stderr += chunk));
      while (!/^\w+: [\d,]+ records? committed$/m.test(stderr)) await once(cli.stderr!, 'data');
      cli.kill('SIGINT');
      const result = await cli;
      expect(result.exitCode).toBe(1);
      const runId = stderr.match(/^run (\S+) of pipeline/m)![1]!;
      expect(stderr).toContain(`warning: interrupted: cancelling run ${runId} on ${serverUrl}; committed checkpoints are kept`);
      expect(stderr).toMatch(new RegExp(`^sync: error: run ${runId} was cancelled.*: committed checkpoints are kept and the next run resumes from the last one$`, 'm'));
      const shown = JSON.parse((await sync('pipelines', 'show', cancelled, '--json')).stdout) as { last_run: { id: string; status: string } };
      expect(shown.last_run).toMatchObject({ id: runId, status: 'cancelled' });
      expect((await sync('pipelines', 'delete', cancelled)).exitCode).toBe(0);
    } finally {
      await slow.close();
    }
  });

  it('exits 1 with the server\'s error when the run fails, and refuses flags of a local run', async () => {
    const failing = `${id}-bad-key`;
    const created = await sync('pipelines', 'create', '--server', serverUrl, '--id', failing, '--source', 'stripe', '--source-config', JSON.stringify({ api_key: 'sk_test_not_the_key' }), '--dest', 'postgres', '--dest-config', JSON.stringify({ schema }), '--streams', 'customers');
    expect(created.exitCode, created.stderr).toBe(0);

    const run = await sync('run', '--server', serverUrl, '--pipeline', failing, '--plain');
    expect(run.exitCode).toBe(1);
    const errors = run.stderr.split('\n').filter((line) => line.startsWith('sync: error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^sync: error: source-stripe: Stripe rejected the API key/);
    expect(run.stderr).not.toContain('sk_test_not_the_key');

    const mixed = await sync('run', '--server', serverUrl, '--pipeline', failing, '--source', 'stripe');
    expect(mixed.exitCode).toBe(1);
    expect(mixed.stderr).toBe('sync: error: --source cannot be used with --server: the pipeline stored on the server decides them (sync pipelines show ID)');

    const wrongToken = await runCli(['pipelines', 'list', '--server', serverUrl], { ...env, SYNC_API_TOKEN: 'not-the-token-of-this-server' });
    expect(wrongToken.exitCode).toBe(1);
    expect(wrongToken.stderr).toBe("sync: error: 401 the bearer token is not this server's token");
    expect((await sync('pipelines', 'delete', failing)).exitCode).toBe(0);
  });
});
