/**
 * whole-run: `sync run` timed the way a user times it (spawn to exit), against the figures Stripe's
 * sync-engine published for the same data (issue 13): 21,429 customers of the Stripe emulator
 * (`--objects 200000 --seed 9`) backfilled into PostgreSQL. The emulator runs as a process of its
 * own (`sync emulator stripe`), so its CPU is not the bench's; DATABASE_URL is required.
 *
 *   pnpm bench whole-run [--runs 3] [--objects 200000] [--seed 9] [--only 1,2,3,4,5,6]
 *
 * Scenarios (medians of --runs; 1, 3 and 2 alternate within each run):
 *   1 backfill   no latency, source at requests_per_second 1000: seconds, rows/s, × sync-engine (4.71 s)
 *   2 paced      100 ms latency, 429 above 25 requests/s, source at its default 25/s: seconds, share of
 *                the ideal rows / (25 × 100) s, sync-engine 12.83 s
 *   3 no-op      the same pipeline right after scenario 1's run (nothing new), against a floor measured
 *                next to it: a Node process making one HTTP request to the emulator and one `select 1`
 *   4 help       `sync --help`, against `node -e 0`
 *   5 tree       peak of the sum of VmRSS over the whole process tree of scenarios 1 and 2 (and, for
 *                information, of the sum of PSS, which counts the pages the processes share once), and each
 *                process's VmHWM (picked with 1 and 2: it is sampled during their runs)
 *   6 idle       VmRSS of each built-in connector started as the engine starts it, once settled
 */
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import pg from 'pg';
import { RESOURCES } from '@sync/stripe-emulator';
import { splitObjects } from '../../packages/stripe-emulator/src/dataset.ts';
import { startSheetsEmulator } from '../../packages/google-sheets-emulator/src/index.ts';
import { requiredDatabaseUrl } from './database.ts';
import { median, memoryOf, watchTreeMemory, type TreeMemory } from './process-memory.ts';
import { LISTENING, SYNC_BIN as sync, startSync } from './sync-process.ts';
import { freshBuild } from '../../apps/cli/bin/build-manifest.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '3' },
    objects: { type: 'string', default: '200000' },
    seed: { type: 'string', default: '9' },
    only: { type: 'string' },
  },
});
const runs = Number(values.runs);
const objects = Number(values.objects);
const seed = values.seed;
const NAMES: Record<string, string> = { backfill: '1', paced: '2', 'no-op': '3', help: '4', tree: '5', idle: '6' };
const only = new Set((values.only ?? '1,2,3,4,5,6').split(',').map((s) => NAMES[s.trim()] ?? s.trim()));
if (only.has('5')) only.add('1').add('2');
const databaseUrl = requiredDatabaseUrl('whole-run');

const repo = join(import.meta.dirname, '..', '..');
const apiKey = 'sk_test_emulator';
const MB = 1e6;
/** Memory sampling period, ms: each sample scans /proc (about 3 ms of the bench's CPU on a quiet machine). */
const SAMPLE_MS = 50;
/** Stripe's sync-engine on the same 21,429 customers (issue 13), seconds. */
const SYNC_ENGINE = { backfill: 4.71, paced: 12.83 };
const customers = splitObjects(objects, RESOURCES.map((r) => r.weight))[RESOURCES.findIndex((r) => r.name === 'customers')]!;
const stamp = Date.now().toString(36);
const seconds = (from: number) => (performance.now() - from) / 1000;
const fmt = (x: number, digits = 2) => x.toFixed(digits);
const met = (ok: boolean) => (ok ? 'met' : '**not met**');

/** The built-in connectors' executables (name → file), resolved by apps/cli/src/builtins.ts as `sync` does now. */
async function connectorBins(): Promise<Record<string, string[]>> {
  const build = freshBuild();
  if (build) (globalThis as { syncBuild?: unknown }).syncBuild = build;
  const { builtinConnectors } = await import('../../apps/cli/src/builtins.ts');
  const bins: Record<string, string[]> = {};
  for (const role of ['source', 'destination'] as const) {
    for (const [name, entry] of Object.entries(builtinConnectors[role] as Record<string, string | { bin: string; nodeOptions?: readonly string[] }>)) {
      // As the engine starts it: this Node, the table's Node options, then the bin.
      bins[`${role}-${name}`] = typeof entry === 'string' ? [entry] : [...(entry.nodeOptions ?? []), entry.bin];
    }
  }
  return bins;
}

interface Emulator {
  url: string;
  requests(): Promise<{ requests: number; rateLimited: number }>;
  stop(): Promise<void>;
}

/** Starts `sync emulator stripe` as a child process; resolves once its banner gives the URL. */
async function startEmulator(flags: string[]): Promise<Emulator> {
  const { match, child } = await startSync(['emulator', 'stripe', '--port', '0', '--objects', String(objects), '--seed', seed, ...flags], process.env, LISTENING);
  const url = match[1]!;
  return {
    url,
    async requests() {
      const counters = (await (await fetch(`${url}/_emulator/counters`)).json()) as { requests: number; rateLimited: number };
      return { requests: counters.requests, rateLimited: counters.rateLimited };
    },
    async stop() {
      child.kill('SIGTERM');
      await child;
    },
  };
}

const db = new pg.Client({ connectionString: databaseUrl });
await db.connect();

async function rowsIn(schema: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`select count(*) as n from "${schema}".customers`);
  return Number(rows[0]!.n);
}

/** Names a process of the tree: the root is the engine; connectors by bin name and command. */
function roleOf(command: string, pid: number, root: number): string {
  if (pid === root) return 'engine (sync run)';
  const [head = '', verb] = command.split(/ (spec|check|discover|read|write)(?= |$)/);
  const names = head.match(/(?:source|destination)-[a-z][\w-]*?(?=\.m?js\b|\/| |$)/g);
  return names ? `${names.at(-1)} ${verb ?? '?'}` : command.slice(0, 60);
}

interface Run {
  seconds: number;
  requests: number;
  rateLimited: number;
  tree: TreeMemory;
  root: number;
  /** CPU seconds of the whole tree (`reapedChildrenCpu`). */
  cpu: number;
  /** What `sync` ran from: its bundle or the TypeScript sources (the lead is moving it to bundles). */
  from: string;
}

const runsFrom = () => (freshBuild() ? 'bundle' : 'sources');

/**
 * CPU seconds (user + system) of the children this process has reaped so far, their own reaped
 * children included (/proc/self/stat cutime + cstime, 100 ticks per second): around one run, the
 * whole tree's CPU, which a busy machine changes far less than the wall clock.
 */
function reapedChildrenCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** Runs the measured command once, wall clock from spawn to exit; checks the row count after. */
async function syncRun(emulator: Emulator, pipeline: string, schema: string, sourceConfig: object | undefined, expectRows = customers): Promise<Run> {
  const before = await emulator.requests();
  const args = [sync, 'run', '--source', 'stripe', '--dest', 'postgres', '--streams', 'customers', '--pipeline', pipeline, '--plain', '--dest-config', JSON.stringify({ schema })];
  if (sourceConfig) args.push('--source-config', JSON.stringify(sourceConfig));
  const from = runsFrom();
  const cpuBefore = reapedChildrenCpu();
  const started = performance.now();
  const child = execa(process.execPath, args, { env: { ...process.env, STRIPE_API_KEY: apiKey, STRIPE_BASE_URL: emulator.url, DATABASE_URL: databaseUrl }, reject: false });
  const memory = watchTreeMemory(child.pid!, SAMPLE_MS);
  const result = await child;
  const elapsed = seconds(started);
  const tree = memory.stop();
  const cpu = reapedChildrenCpu() - cpuBefore;
  if (result.exitCode !== 0) throw new Error(`sync run (pipeline ${pipeline}) failed with exit code ${result.exitCode}:\n${result.stderr}`);
  const rows = await rowsIn(schema);
  if (rows !== expectRows) throw new Error(`pipeline ${pipeline}: ${schema}.customers has ${rows} rows, expected ${expectRows}`);
  const after = await emulator.requests();
  return { seconds: elapsed, requests: after.requests - before.requests, rateLimited: after.rateLimited - before.rateLimited, tree, root: child.pid!, cpu, from };
}

/** One HTTP request to the emulator and one `select 1`, from a fresh Node process: the no-op's floor. */
async function floor(emulator: Emulator): Promise<number> {
  const script = `const http = require('node:http'); const pg = require('pg');
http.get(process.env.STRIPE_BASE_URL + '/v1/customers?limit=1', { agent: false, headers: { authorization: 'Bearer ' + process.env.STRIPE_API_KEY } }, (res) => {
  if (res.statusCode !== 200) process.exit(3);
  res.resume();
  res.on('end', async () => { const c = new pg.Client({ connectionString: process.env.DATABASE_URL }); await c.connect(); await c.query('select 1'); await c.end(); });
});`;
  return wallClock(['-e', script], { STRIPE_API_KEY: apiKey, STRIPE_BASE_URL: emulator.url, DATABASE_URL: databaseUrl });
}

/** Seconds from spawning `node <args>` (in the repository, so `pg` resolves) to its exit; throws unless it exits 0. */
async function wallClock(args: string[], env: Record<string, string> = {}): Promise<number> {
  const started = performance.now();
  const result = await execa(process.execPath, args, { cwd: repo, env: { ...process.env, ...env }, reject: false });
  const elapsed = seconds(started);
  if (result.exitCode !== 0) throw new Error(`node ${args.join(' ').slice(0, 80)} failed (${result.exitCode}): ${result.stderr}`);
  return elapsed;
}

const catalog = {
  streams: [{
    stream: { name: 'customers', json_schema: { type: 'object', properties: { id: { type: 'string' }, created: { type: 'integer' }, email: { type: ['string', 'null'] } } }, supported_sync_modes: ['full_refresh', 'incremental'], source_defined_primary_key: [['id']], default_cursor_field: ['created'] },
    sync_mode: 'incremental', destination_sync_mode: 'append_dedup', cursor_field: ['created'], primary_key: [['id']],
  }],
};

interface Idle { rss: number; hwm: number; settledAfter: number; settled: boolean }

/**
 * Starts `node <bin> <args>` as the engine does (stdin a pipe left open and silent, stdout a pipe
 * nobody reads), samples VmRSS every 100 ms and returns it once it has not grown over the last 3
 * samples and 1.5 s have passed (at most 10 s), then kills the process.
 */
async function idleMemory(bin: readonly string[], args: string[]): Promise<Idle> {
  const child = spawn(process.execPath, [...bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const started = performance.now();
  const samples: number[] = [];
  try {
    for (;;) {
      await new Promise((r) => setTimeout(r, 100));
      if (child.exitCode !== null) throw new Error(`${bin} ${args[0]} exited (${child.exitCode}) before settling: ${stderr}`);
      const memory = memoryOf(child.pid!);
      if (memory === undefined) continue;
      const { rss, hwm } = memory;
      samples.push(rss);
      const t = seconds(started);
      const recent = samples.slice(-4);
      const settled = t >= 1.5 && recent.length === 4 && Math.max(...recent.slice(1)) <= recent[0]!;
      if (settled || t >= 10) return { rss, hwm, settledAfter: t, settled };
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Config and command of each built-in connector for `idleMemory`, and what it waits on. */
async function idleRecipes(dir: string, stripeUrl: string, sheets: Awaited<ReturnType<typeof startSheetsEmulator>>, bins: Record<string, string[]>) {
  const file = async (name: string, content: object) => {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify(content), { mode: 0o600 });
    return path;
  };
  const catalogFile = await file('catalog.json', catalog);
  const spreadsheet = sheets.createSpreadsheet('idle');
  const { clientId, clientSecret, refreshToken } = sheets.oauthClient;
  return [
    { name: '(bare node, baseline)', bin: ['-e'], how: 'node -e "setInterval(() => {}, 1e6)"', args: ['setInterval(() => {}, 1e6)'] },
    { name: 'source-stripe', bin: bins['source-stripe']!, how: 'read, emulator answering after 10 min', args: ['read', '--config', await file('stripe.json', { api_key: apiKey, base_url: stripeUrl }), '--catalog', catalogFile] },
    { name: 'source-faker', bin: bins['source-faker']!, how: 'read, stdout full (nobody reads it)', args: ['read', '--config', await file('faker.json', { count: 1e9 }), '--catalog', catalogFile] },
    { name: 'destination-postgres', bin: bins['destination-postgres']!, how: 'write, stdin open and silent', args: ['write', '--config', await file('pg.json', { url: databaseUrl, schema: `whole_idle_${stamp}` }), '--catalog', catalogFile] },
    {
      name: 'destination-google-sheets', bin: bins['destination-google-sheets']!, how: 'write, stdin open and silent (Sheets emulator)',
      args: ['write', '--config', await file('sheets.json', { spreadsheet_id: spreadsheet, credentials: { auth_type: 'oauth2', client_id: clientId, client_secret: clientSecret, refresh_token: refreshToken }, api_base_url: sheets.url, token_url: sheets.tokenUrl }), '--catalog', catalogFile],
    },
  ];
}

// ---- run ----
const command = `pnpm bench whole-run --runs ${runs} --objects ${objects} --seed ${seed}${values.only ? ` --only ${values.only}` : ''}`;
const dbAt = new URL(databaseUrl);
console.log(`$ ${command}`);
console.log(`node ${process.version}, ${cpus().length} CPUs, load average ${loadavg().map((x) => fmt(x)).join(' ')} at start; PostgreSQL at ${dbAt.host}; ${customers.toLocaleString('en-US')} customers; ${runs} runs, medians`);
console.log(`sync runs from ${freshBuild() ? 'its bundle (apps/cli/dist/, fresh)' : 'the TypeScript sources (no fresh build in apps/cli/dist/)'}`);
console.log(`measured: STRIPE_API_KEY=${apiKey} STRIPE_BASE_URL=<emulator> DATABASE_URL=… node apps/cli/bin/sync.js run --source stripe --dest postgres --streams customers --pipeline <fresh> --plain --dest-config '{"schema":"<fresh>"}' [--source-config '{"requests_per_second":1000}']\n`);
if (customers !== 21_429) console.log(`(not the issue's data set: the sync-engine comparisons below are rows/s against its 21,429 rows)\n`);

let fast: Emulator | undefined;
let paced: Emulator | undefined;
const backfills: Run[] = [];
const pacedRuns: Run[] = [];
const noops: { seconds: number; floor: number; requests: number; cpu: number; from: string }[] = [];
const schemas: string[] = [];
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
try {
  if (only.has('1') || only.has('3')) fast = await startEmulator([]);
  if (only.has('2')) paced = await startEmulator(['--latency-ms', '100', '--rate-limit', '25']);
  for (let i = 0; i < runs; i++) {
    if (fast) {
      const id = `whole_fast_${stamp}_${i}`;
      schemas.push(id);
      const run = await syncRun(fast, id, id, { requests_per_second: 1000 });
      if (only.has('1')) backfills.push(run);
      if (only.has('3')) {
        const noop = await syncRun(fast, id, id, { requests_per_second: 1000 });
        if (noop.requests >= customers / 100) throw new Error(`the no-op run of ${id} made ${noop.requests} requests: it read everything again`);
        noops.push({ seconds: noop.seconds, floor: await floor(fast), requests: noop.requests, cpu: noop.cpu, from: noop.from });
      }
    }
    if (paced) {
      const id = `whole_paced_${stamp}_${i}`;
      schemas.push(id);
      pacedRuns.push(await syncRun(paced, id, id, undefined));
    }
    for (const s of schemas.splice(0)) await db.query(`drop schema if exists "${s}" cascade`);
  }
} finally {
  await fast?.stop();
  await paced?.stop();
  for (const s of schemas) await db.query(`drop schema if exists "${s}" cascade`);
}
if (fast || paced) {
  const cpu = process.cpuUsage(cpuBefore);
  console.log(`the bench's own CPU during scenarios 1–3 (memory sampling, checks): ${fmt((cpu.user + cpu.system) / 1e6, 1)} s over ${fmt(seconds(wallBefore), 1)} s\n`);
}

const goals: string[] = [];
if (backfills.length) {
  const theirs = customers / SYNC_ENGINE.backfill;
  console.log(`### 1. backfill, no latency, requests_per_second 1000 (sync-engine: ${SYNC_ENGINE.backfill} s = ${Math.round(theirs)} rows/s)\n`);
  console.log('| run | seconds | rows/s | × sync-engine rows/s | CPU s (tree) | requests | sync from |\n| ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  backfills.forEach((r, i) => console.log(`| ${i + 1} | ${fmt(r.seconds)} | ${Math.round(customers / r.seconds)} | ${fmt(customers / r.seconds / theirs)}× | ${fmt(r.cpu, 1)} | ${r.requests} | ${r.from} |`));
  const s = median(backfills.map((r) => r.seconds));
  console.log(`| median | ${fmt(s)} | ${Math.round(customers / s)} | ${fmt(customers / s / theirs)}× | ${fmt(median(backfills.map((r) => r.cpu)), 1)} | | |\n`);
  goals.push(`| 1. backfill ≥ 2× sync-engine rows/s (≤ ${fmt(SYNC_ENGINE.backfill / 2)} s) | ${fmt(s)} s, ${fmt(customers / s / theirs)}× | ${met(customers / s / theirs >= 2)} |`);
}
if (pacedRuns.length) {
  const ideal = customers / (25 * 100);
  console.log(`### 2. backfill, 100 ms latency, 429 above 25 requests/s, source at its default rate (ideal ${fmt(ideal)} s; sync-engine ${SYNC_ENGINE.paced} s)\n`);
  console.log('| run | seconds | rows/s | share of ideal | × sync-engine speed | CPU s (tree) | requests | 429s | sync from |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  pacedRuns.forEach((r, i) => console.log(`| ${i + 1} | ${fmt(r.seconds)} | ${Math.round(customers / r.seconds)} | ${fmt(ideal / r.seconds)} | ${fmt(SYNC_ENGINE.paced / r.seconds)}× | ${fmt(r.cpu, 1)} | ${r.requests} | ${r.rateLimited} | ${r.from} |`));
  const s = median(pacedRuns.map((r) => r.seconds));
  console.log(`| median | ${fmt(s)} | ${Math.round(customers / s)} | ${fmt(ideal / s)} | ${fmt(SYNC_ENGINE.paced / s)}× | ${fmt(median(pacedRuns.map((r) => r.cpu)), 1)} | | | |\n`);
  goals.push(`| 2. paced ≥ 0.9 of ideal (≤ ${fmt(ideal / 0.9)} s) | ${fmt(s)} s, ${fmt(ideal / s)} of ideal | ${met(ideal / s >= 0.9)} |`);
}
if (noops.length) {
  console.log('### 3. no-op run (same pipeline, nothing new) against the floor (node: one HTTP GET to the emulator + one `select 1` with pg)\n');
  console.log('| run | no-op seconds | floor seconds | no-op / floor | no-op CPU s (tree) | requests in the no-op | sync from |\n| ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  noops.forEach((r, i) => console.log(`| ${i + 1} | ${fmt(r.seconds)} | ${fmt(r.floor, 3)} | ${fmt(r.seconds / r.floor, 1)}× | ${fmt(r.cpu, 2)} | ${r.requests} | ${r.from} |`));
  const ratio = median(noops.map((r) => r.seconds / r.floor));
  console.log(`| median | ${fmt(median(noops.map((r) => r.seconds)))} | ${fmt(median(noops.map((r) => r.floor)), 3)} | ${fmt(ratio, 1)}× | ${fmt(median(noops.map((r) => r.cpu)), 2)} | | |\n`);
  goals.push(`| 3. no-op ≤ 5× floor | ${fmt(median(noops.map((r) => r.seconds)))} s, ${fmt(ratio, 1)}× | ${met(ratio <= 5)} |`);
}
if (only.has('4')) {
  const help: number[] = [];
  const bare: number[] = [];
  const from = new Set<string>();
  for (let i = 0; i < 5; i++) {
    from.add(runsFrom());
    help.push(await wallClock([sync, '--help']));
    bare.push(await wallClock(['-e', '0']));
  }
  console.log('### 4. `node apps/cli/bin/sync.js --help` against `node -e 0`, 5 runs\n');
  console.log('| run | sync --help seconds | node -e 0 seconds |\n| ---: | ---: | ---: |');
  help.forEach((h, i) => console.log(`| ${i + 1} | ${fmt(h, 3)} | ${fmt(bare[i]!, 3)} |`));
  console.log(`| median | ${fmt(median(help), 3)} | ${fmt(median(bare), 3)} |\n\nsync ran from: ${[...from].join(', ')}\n`);
  goals.push(`| 4. sync --help ≤ 0.3 s | ${fmt(median(help), 3)} s (${fmt(median(help) / median(bare), 1)}× node -e 0) | ${met(median(help) <= 0.3)} |`);
}
for (const [label, list] of [['1. backfill', backfills], ['2. paced', pacedRuns]] as const) {
  if (!list.length || !only.has('5')) continue;
  const peaks = list.map((r) => {
    const byRole: Record<string, number> = {};
    for (const p of r.tree.processes) {
      const role = roleOf(p.command, p.pid, r.root);
      byRole[role] = Math.max(byRole[role] ?? 0, p.peakRssBytes / MB);
    }
    return { tree: r.tree.treePeakBytes / MB, pss: r.tree.treePeakPssBytes / MB, byRole };
  });
  const roles = [...new Set(peaks.flatMap((p) => Object.keys(p.byRole)))].sort((a, b) => (a.startsWith('engine') ? -1 : b.startsWith('engine') ? 1 : a.localeCompare(b)));
  console.log(`### 5. peak memory of the process tree, scenario ${label} (MB = 10^6 bytes; sampled every ${SAMPLE_MS} ms)\n`);
  console.log(`| run | tree peak (sum of VmRSS) | tree peak (sum of PSS: shared pages once) | ${roles.map((r) => `${r} VmHWM`).join(' | ')} |\n| ---: | ---: | ---: | ${roles.map(() => '---:').join(' | ')} |`);
  peaks.forEach((p, i) => console.log(`| ${i + 1} | ${fmt(p.tree, 0)} | ${fmt(p.pss, 0)} | ${roles.map((r) => (p.byRole[r] === undefined ? '–' : fmt(p.byRole[r], 0))).join(' | ')} |`));
  const tree = median(peaks.map((p) => p.tree));
  console.log(`| median | ${fmt(tree, 0)} | ${fmt(median(peaks.map((p) => p.pss)), 0)} | ${roles.map((r) => fmt(median(peaks.flatMap((p) => p.byRole[r] ?? [])), 0)).join(' | ')} |\n`);
  const seen = new Set(list[0]!.tree.processes.filter((p) => p.pid !== list[0]!.root).map((p) => `\`${p.command.split(/ --config /)[0]!.replaceAll(`${repo}/`, '')}\``));
  console.log(`processes under sync run: ${[...seen].join(', ')}\n`);
  goals.push(`| 5. tree peak ≤ 250 MB (${label}) | ${fmt(tree, 0)} MB | ${met(tree <= 250)} |`);
}
if (only.has('6')) {
  const dir = await mkdtemp(join(tmpdir(), 'whole-run-idle-'));
  const slow = await startEmulator(['--latency-ms', '600000']);
  const sheets = await startSheetsEmulator();
  try {
    const recipes = await idleRecipes(dir, slow.url, sheets, await connectorBins());
    console.log('### 6. idle memory of each connector, started as the engine starts it (`node <bin> …`), once RSS stops growing (MB)\n');
    console.log(`| connector | started as | ${Array.from({ length: runs }, (_, i) => `VmRSS run ${i + 1}`).join(' | ')} | median VmRSS | VmHWM | settled after |\n| --- | --- | ${Array.from({ length: runs + 3 }, () => '---:').join(' | ')} |`);
    let worst = 0;
    for (const recipe of recipes) {
      const samples: Idle[] = [];
      for (let i = 0; i < runs; i++) samples.push(await idleMemory(recipe.bin, recipe.args));
      const rss = median(samples.map((s) => s.rss / MB));
      if (recipe.bin[0] !== '-e') worst = Math.max(worst, rss);
      const settled = samples.every((s) => s.settled) ? `${fmt(median(samples.map((s) => s.settledAfter)), 1)} s` : 'still growing at 10 s';
      console.log(`| ${recipe.name} | ${recipe.how} | ${samples.map((s) => fmt(s.rss / MB, 0)).join(' | ')} | ${fmt(rss, 0)} | ${fmt(median(samples.map((s) => s.hwm / MB)), 0)} | ${settled} |`);
    }
    console.log(`\nbins: ${recipes.slice(1).map((r) => r.bin.join(' ').replaceAll(`${repo}/`, '')).join(', ')}\n`);
    goals.push(`| 6. every connector idle ≤ 80 MB | largest ${fmt(worst, 0)} MB | ${met(worst <= 80)} |`);
  } finally {
    await sheets.close();
    await slow.stop();
    await db.query(`drop schema if exists "whole_idle_${stamp}" cascade`);
    await rm(dir, { recursive: true, force: true });
  }
}
await db.end();
console.log(`### goals\n\n| goal | median | |\n| --- | ---: | --- |\n${goals.join('\n')}\n\nload average at the end: ${loadavg().map((x) => fmt(x)).join(' ')}`);
