/**
 * api: the same sync through the HTTP API and through `sync run` (issue 14), and the API's latency
 * while a run streams. Stripe emulator (`--objects 200000 --seed 9`: 21,429 customers, a process of its
 * own) → PostgreSQL (DATABASE_URL, required); `sync serve` is started once, as a user keeps it running.
 *
 *   pnpm bench api [--runs 3] [--objects 200000] [--seed 9] [--clients 50]
 *
 * 1 same sync   a full refresh of `customers` (source at requests_per_second 1000, and the server's shared
 *               Stripe rate limit at 1000/s too), medians of --runs,
 *               alternating: `sync run` timed spawn to exit; through the API timed from `POST
 *               /pipelines/{id}/runs` to the `run_finished` line of `GET /runs/{id}/events`. Ratio API / CLI.
 * 2 polling     one more API run while --clients clients each GET /runs/{id} in a loop until it ends:
 *               p50, p99 and max latency of those requests, requests/s, and the run's time against
 *               scenario 1's API median.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { execa, type ResultPromise } from 'execa';
import pg from 'pg';
import { median } from './process-memory.ts';
import { requiredDatabaseUrl } from './database.ts';
import { LISTENING, SYNC_BIN as sync, startSync } from './sync-process.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '3' },
    objects: { type: 'string', default: '200000' },
    seed: { type: 'string', default: '9' },
    clients: { type: 'string', default: '50' },
  },
});
const runs = Number(values.runs);
const clients = Number(values.clients);
const databaseUrl = requiredDatabaseUrl('api');
const apiKey = 'sk_test_emulator';
const token = `bench-${Math.random().toString(36).slice(2)}-token`;
const stamp = Date.now().toString(36);
const seconds = (from: number) => (performance.now() - from) / 1000;
const fmt = (x: number, digits = 2) => x.toFixed(digits);

/** Starts a `sync` subcommand that says `listening on URL` on stderr; resolves with the URL. */
async function startListening(args: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; child: ResultPromise }> {
  const { match, child } = await startSync(args, env, LISTENING);
  return { url: match[1]!, child };
}

const home = await mkdtemp(join(tmpdir(), 'sync-bench-api-'));
const emulator = await startListening(['emulator', 'stripe', '--port', '0', '--objects', values.objects, '--seed', values.seed], process.env);
// The account's shared rate is lifted to the source's own (1000/s), so both sides run unthrottled;
// every API request still goes through the worker's rate-limit proxy and its Postgres bucket.
const server = await startListening(['serve', '--port', '0', '--workers', '1', '--stripe-rate-limit', '1000'], {
  ...process.env,
  SYNC_API_TOKEN: token,
  SYNC_HOME: home,
  DATABASE_URL: databaseUrl,
});
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const sourceConfig = { api_key: apiKey, base_url: emulator.url, requests_per_second: 1000 };
const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();

async function api(path: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.url}${path}`, { ...init, headers });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

async function rowsIn(schema: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`select count(*) as n from "${schema}".customers`);
  return Number(rows[0]!.n);
}

const apiSchema = `bench_api_${stamp}`;
const cliSchema = `bench_cli_${stamp}`;
const pipelineId = `bench-api-${stamp}`;
await api('/pipelines', {
  method: 'POST',
  body: JSON.stringify({ id: pipelineId, source: { name: 'stripe', config: sourceConfig }, destination: { name: 'postgres', config: { url: databaseUrl, schema: apiSchema } }, streams: [{ name: 'customers' }] }),
});

/** One full refresh through the API: POST to `run_finished`, seconds. */
async function apiRun(onQueued: (runId: string) => void = () => {}): Promise<{ seconds: number; runId: string }> {
  const started = performance.now();
  const run = await api(`/pipelines/${pipelineId}/runs`, { method: 'POST', body: JSON.stringify({ full_refresh: true }) });
  const runId = String(run.id);
  onQueued(runId);
  const response = await fetch(`${server.url}/runs/${runId}/events`, { headers });
  let finished: Record<string, unknown> | undefined;
  for await (const line of createInterface({ input: (await import('node:stream')).Readable.fromWeb(response.body as never) })) {
    const event = JSON.parse(line) as Record<string, unknown>;
    if (event.type === 'run_finished') finished = event;
  }
  const took = seconds(started);
  if (finished?.status !== 'succeeded') throw new Error(`API run ${runId} ended ${JSON.stringify(finished)}`);
  return { seconds: took, runId };
}

/** One full refresh with `sync run`, spawn to exit, seconds. */
async function cliRun(): Promise<number> {
  const started = performance.now();
  const result = await execa(
    process.execPath,
    [sync, 'run', '--source', 'stripe', '--dest', 'postgres', '--streams', 'customers', '--full-refresh', '--plain', '--pipeline', `bench-cli-${stamp}`, '--source-config', JSON.stringify(sourceConfig), '--dest-config', JSON.stringify({ schema: cliSchema })],
    { env: { ...process.env, DATABASE_URL: databaseUrl, SYNC_HOME: home }, reject: false },
  );
  const took = seconds(started);
  if (result.exitCode !== 0) throw new Error(`sync run failed: ${result.stderr}`);
  return took;
}

const cli: number[] = [];
const viaApi: number[] = [];
for (let i = 0; i < runs; i++) {
  cli.push(await cliRun());
  viaApi.push((await apiRun()).seconds);
}
const customers = await rowsIn(apiSchema);
if (customers !== (await rowsIn(cliSchema))) throw new Error('the API and the CLI wrote different row counts');

// 2: polling while a run streams.
const latencies: number[] = [];
let requests = 0;
let done = false;
let polled = 0;
let pollers: Promise<unknown> = Promise.resolve();
const underLoad = await apiRun((runId) => {
  polled = performance.now();
  pollers = Promise.all(
    Array.from({ length: clients }, async () => {
      while (!done) {
        const t = performance.now();
        await api(`/runs/${runId}`);
        latencies.push(performance.now() - t);
        requests++;
      }
    }),
  );
});
done = true;
await pollers;
const pollSeconds = seconds(polled);
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;

const command = `pnpm bench api --runs ${runs} --objects ${values.objects} --seed ${values.seed} --clients ${clients}`;
console.log(`\`${command}\` (${customers} customers, medians of ${runs})\n`);
console.log('| scenario | seconds (runs) | ratio |');
console.log('| --- | ---: | ---: |');
console.log(`| \`sync run\` (spawn to exit) | ${fmt(median(cli))} (${cli.map((x) => fmt(x)).join(', ')}) | 1 |`);
console.log(`| API (POST to run_finished) | ${fmt(median(viaApi))} (${viaApi.map((x) => fmt(x)).join(', ')}) | ${fmt(median(viaApi) / median(cli))} |`);
console.log(`| API run while ${clients} clients poll | ${fmt(underLoad.seconds)} | ${fmt(underLoad.seconds / median(viaApi))} of the API median |`);
console.log(`\n${clients} clients polling GET /runs/{id}: ${latencies.length} requests in ${fmt(pollSeconds, 1)} s (${fmt(requests / pollSeconds, 0)}/s); latency p50 ${fmt(pct(50), 1)} ms, p99 ${fmt(pct(99), 1)} ms, max ${fmt(latencies.at(-1)!, 1)} ms`);

await db.query(`drop schema if exists "${apiSchema}" cascade`);
await db.query(`drop schema if exists "${cliSchema}" cascade`);
await db.end();
server.child.kill('SIGTERM');
emulator.child.kill('SIGTERM');
await Promise.all([server.child, emulator.child]);
await rm(home, { recursive: true, force: true });
