/**
 * workers: runs completed per minute with 1, 2 and 3 `sync worker` processes on one queue (issue 16),
 * and the request rate each Stripe account saw. `--pipelines` Stripe → Postgres pipelines (customers
 * and products, `--page-size` objects a page) over `--accounts` accounts, each a `sync emulator stripe`
 * process answering 429 above `--rate-limit` GET requests a second with `--latency-ms` per answer;
 * `sync serve --workers 0` on a fresh database of the server at DATABASE_URL (required; dropped at the
 * end). Every run goes through the shared per-account rate limit (25/s for test keys), so the ceiling
 * is accounts × rate requests a second however many workers there are.
 *
 *   pnpm bench workers [--runs 3] [--workers 1,2,3] [--concurrency 1] [--pipelines 12] [--accounts 3]
 *                      [--rate-limit 25] [--latency-ms 50] [--objects 10000] [--page-size 10]
 *
 * For each worker count, that many `sync worker --concurrency N` are started, then --runs rounds: every
 * pipeline is started at once (`POST /pipelines/{id}/runs {"full_refresh": true}`) and the round ends
 * at the last `run_finished` of `GET /runs/{id}/events`. Reported per worker count: the median round's
 * runs per minute and its ratio to 1 worker's; each account's requests a second over the round
 * (emulator counters at /_emulator/counters, before and after, over the round's time) and its 429s.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { ResultPromise } from 'execa';
import pg from 'pg';
import { median } from './process-memory.ts';
import { requiredDatabaseUrl } from './database.ts';
import { LISTENING, startSync } from './sync-process.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '3' },
    workers: { type: 'string', default: '1,2,3' },
    concurrency: { type: 'string', default: '1' },
    pipelines: { type: 'string', default: '12' },
    accounts: { type: 'string', default: '3' },
    'rate-limit': { type: 'string', default: '25' },
    'latency-ms': { type: 'string', default: '50' },
    objects: { type: 'string', default: '10000' },
    'page-size': { type: 'string', default: '10' },
  },
});
const rounds = Number(values.runs);
const workerCounts = values.workers.split(',').map(Number);
const pipelineCount = Number(values.pipelines);
const accountCount = Number(values.accounts);
const serverUrl = requiredDatabaseUrl('workers', '; the benchmark makes a database of its own there');
const stamp = randomBytes(4).toString('hex');
const token = `bench-${stamp}-token`;
const secretKey = randomBytes(32).toString('hex');
const fmt = (x: number, digits = 1) => x.toFixed(digits);

async function stop(children: ResultPromise[]): Promise<void> {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children);
}

// A database of its own: the state store's schema `sync` and graphile_worker's are one per database.
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
const database = `bench_workers_${stamp}`;
await admin.query(`create database ${database}`);
const databaseUrl = Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString();
const home = await mkdtemp(join(tmpdir(), 'sync-bench-workers-'));
const env = { ...process.env, DATABASE_URL: databaseUrl, SYNC_SECRET_KEY: secretKey, SYNC_HOME: home, SYNC_API_TOKEN: token };

const accounts = await Promise.all(
  Array.from({ length: accountCount }, async (_, i) => {
    const apiKey = `sk_test_bench_account_${i}_${stamp}`;
    const args = ['emulator', 'stripe', '--port', '0', '--objects', values.objects, '--seed', `bench-account-${i}`, '--api-key', apiKey, '--rate-limit', values['rate-limit'], '--latency-ms', values['latency-ms']];
    const { match, child } = await startSync(args, process.env, LISTENING);
    return { apiKey, url: match[1]!, child };
  }),
);
const server = await startSync(['serve', '--port', '0', '--workers', '0'], env, /listening on (http:\/\/\S+) /);
const apiUrl = server.match[1]!;
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

async function api(path: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  const response = await fetch(`${apiUrl}${path}`, { ...init, headers });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/** Follows a run's events to its `run_finished`; throws unless it succeeded. */
async function finished(runId: string): Promise<void> {
  const response = await fetch(`${apiUrl}/runs/${runId}/events`, { headers });
  let end: Record<string, unknown> | undefined;
  for await (const line of createInterface({ input: Readable.fromWeb(response.body as never) })) {
    const event = JSON.parse(line) as Record<string, unknown>;
    if (event.type === 'run_finished') end = event;
  }
  if (end?.status !== 'succeeded') throw new Error(`run ${runId} ended ${JSON.stringify(end)}`);
}

interface Counters {
  requests: number;
  rateLimited: number;
}
const counters = () => Promise.all(accounts.map(async (a) => (await (await fetch(`${a.url}/_emulator/counters`)).json()) as Counters));

const pipelines = Array.from({ length: pipelineCount }, (_, i) => `bench-w${i}`);

/** Pipeline `bench-w<i>` reads account i mod --accounts into schema `bench_w<i>` of the database. */
async function createPipelines(): Promise<void> {
  for (const [i, id] of pipelines.entries()) {
    const account = accounts[i % accountCount]!;
    await api('/pipelines', {
      method: 'POST',
      body: JSON.stringify({
        id,
        source: { name: 'stripe', config: { api_key: account.apiKey, base_url: account.url, page_size: Number(values['page-size']) } },
        destination: { name: 'postgres', config: { schema: `bench_w${i}` } },
        streams: [{ name: 'customers' }, { name: 'products' }],
      }),
    });
  }
}

/** One round: its time (s), each account's requests a second and 429s, and the requests of all its runs. */
interface Round {
  seconds: number;
  rates: number[];
  limited: number[];
  requests: number;
}

/** One round: every pipeline started at once, until the last run finished. */
async function round(): Promise<Round> {
  const before = await counters();
  const started = performance.now();
  // One after the other (a few ms each), so the queue holds them in pipeline order: the first workers
  // free take pipelines of different accounts.
  const runs: Record<string, unknown>[] = [];
  for (const id of pipelines) runs.push(await api(`/pipelines/${id}/runs`, { method: 'POST', body: JSON.stringify({ full_refresh: true }) }));
  await Promise.all(runs.map((run) => finished(String(run.id))));
  const seconds = (performance.now() - started) / 1000;
  const after = await counters();
  const sent = after.map((c, i) => c.requests - before[i]!.requests);
  return {
    seconds,
    rates: sent.map((n) => n / seconds),
    limited: after.map((c, i) => c.rateLimited - before[i]!.rateLimited),
    requests: sent.reduce((a, b) => a + b, 0),
  };
}

/** Every worker count's rounds, in the order of --workers. */
async function measure(): Promise<{ workers: number; rounds: Round[] }[]> {
  const results: { workers: number; rounds: Round[] }[] = [];
  for (const count of workerCounts) {
    // Objects, not the children themselves: a child is a promise of its exit, which `await` would wait for.
    const workers = await Promise.all(Array.from({ length: count }, () => startSync(['worker', '--concurrency', values.concurrency], env, /taking runs from the queue/)));
    try {
      const done: Round[] = [];
      for (let r = 0; r < rounds; r++) done.push(await round());
      results.push({ workers: count, rounds: done });
    } finally {
      await stop(workers.map((w) => w.child));
    }
  }
  return results;
}

let results: Awaited<ReturnType<typeof measure>>;
try {
  await createPipelines();
  results = await measure();
} finally {
  await stop([server.child, ...accounts.map((a) => a.child)]);
  await admin.query(`drop database ${database} with (force)`);
  await admin.end();
  await rm(home, { recursive: true, force: true });
}

const command = `pnpm bench workers --runs ${rounds} --workers ${values.workers} --concurrency ${values.concurrency} --pipelines ${pipelineCount} --accounts ${accountCount} --rate-limit ${values['rate-limit']} --latency-ms ${values['latency-ms']} --objects ${values.objects} --page-size ${values['page-size']}`;
const perRun = median(results.flatMap((r) => r.rounds.map((x) => x.requests / pipelineCount)));
console.log(`\`${command}\`\n`);
console.log(
  `${pipelineCount} pipelines over ${accountCount} accounts (${values['rate-limit']} requests/s each, ${values['latency-ms']} ms an answer), about ${fmt(perRun, 0)} requests a run; ` +
    `each worker runs ${values.concurrency} at a time; median of ${rounds} rounds.\n`,
);
console.log(`| workers | runs/min | ratio | round seconds (rounds) | requests/s per account (median round) | 429s |`);
console.log('| ---: | ---: | ---: | ---: | --- | ---: |');
let baseline: number | undefined;
for (const { workers, rounds: done } of results) {
  const perMinute = done.map((x) => (pipelineCount / x.seconds) * 60);
  const mid = [...done].sort((a, b) => a.seconds - b.seconds)[Math.floor((done.length - 1) / 2)]!;
  baseline ??= median(perMinute);
  const limited = done.reduce((n, x) => n + x.limited.reduce((a, b) => a + b, 0), 0);
  console.log(
    `| ${workers} | ${fmt(median(perMinute))} | ${fmt(median(perMinute) / baseline, 2)} | ${fmt(median(done.map((x) => x.seconds)))} (${done.map((x) => fmt(x.seconds)).join(', ')}) | ${mid.rates.map((x) => fmt(x)).join(' / ')} | ${limited} |`,
  );
}
