/**
 * `pnpm bench`: benchmarks of the main job, printed with the command that produced them. Results are
 * copied into docs/benchmarks.md.
 *
 * main-job-memory: `sync run --source stripe --dest postgres` against the local Stripe emulator at two
 * sizes. Everything streams, so peak RSS of each process must not grow with the number of records:
 * the ratio of peaks (large / small) is the figure, measured in the same run. Medians of --runs runs.
 *
 *   pnpm bench main-job-memory [--small 10000] [--large 100000] [--runs 3]
 *
 * Uses DATABASE_URL when set, else an embedded Postgres in a temp SYNC_HOME.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import pg from 'pg';
import { benchDatabase } from './database.ts';
import { startStripeEmulator } from '@sync/stripe-emulator';
import { median, MiB, watchMemory } from './process-memory.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    small: { type: 'string', default: '10000' },
    large: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
  },
});
const sizes = [Number(values.small), Number(values.large)];
const runs = Number(values.runs);
const sync = join(import.meta.dirname, '..', '..', 'apps/cli/bin/sync.js');

function role(command: string): string | undefined {
  if (command.includes('source-stripe')) return 'source';
  if (command.includes('destination-postgres')) return 'destination';
  if (command.includes('sync.js run')) return 'engine (sync run)';
  return undefined;
}

interface Sample {
  seconds: number;
  recordsPerSecond: number;
  peakMiB: Record<string, number>;
}

async function runOnce(objects: number, url: string, emulatorUrl: string, apiKey: string): Promise<Sample> {
  const schema = `bench_${objects}_${Date.now()}`;
  const started = performance.now();
  const child = execa(process.execPath, [sync, 'run', '--source', 'stripe', '--dest', 'postgres', '--pipeline', schema, '--dest-config', JSON.stringify({ schema })], {
    env: { ...process.env, DATABASE_URL: url, STRIPE_API_KEY: apiKey, STRIPE_BASE_URL: emulatorUrl },
    reject: false,
  });
  const memory = watchMemory(child.pid!);
  const result = await child;
  const peaks = memory.stop();
  const seconds = (performance.now() - started) / 1000;
  if (result.exitCode !== 0) throw new Error(`sync run failed: ${result.stderr}`);
  const peakMiB: Record<string, number> = {};
  for (const peak of peaks) {
    const name = role(peak.command);
    if (name) peakMiB[name] = Math.max(peakMiB[name] ?? 0, peak.peakRssBytes / MiB);
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`drop schema "${schema}" cascade`);
  await client.end();
  return { seconds, recordsPerSecond: objects / seconds, peakMiB };
}

const database = await benchDatabase();
const url = database.url;

const command = `pnpm bench main-job-memory --small ${sizes[0]} --large ${sizes[1]} --runs ${runs}`;
console.log(`$ ${command}`);
console.log(`database: ${database.embedded ? 'embedded Postgres' : 'DATABASE_URL'}; ${runs} runs per size, medians\n`);
const table: { objects: number; seconds: number; rps: number; peaks: Record<string, number> }[] = [];
try {
  for (const objects of sizes) {
    const apiKey = 'sk_test_bench';
    const emulator = await startStripeEmulator({ objects, seed: 'bench', apiKey });
    const samples: Sample[] = [];
    try {
      for (let i = 0; i < runs; i++) samples.push(await runOnce(objects, url, emulator.url, apiKey));
    } finally {
      await emulator.close();
    }
    const roles = [...new Set(samples.flatMap((s) => Object.keys(s.peakMiB)))].sort();
    table.push({
      objects,
      seconds: median(samples.map((s) => s.seconds)),
      rps: median(samples.map((s) => s.recordsPerSecond)),
      peaks: Object.fromEntries(roles.map((r) => [r, median(samples.map((s) => s.peakMiB[r] ?? 0))])),
    });
  }
} finally {
  await database.close();
}

const roles = Object.keys(table[0]!.peaks);
console.log(`| objects | seconds | records/s | ${roles.map((r) => `peak RSS ${r} (MiB)`).join(' | ')} |`);
console.log(`| ---: | ---: | ---: | ${roles.map(() => '---:').join(' | ')} |`);
for (const row of table) {
  console.log(`| ${row.objects} | ${row.seconds.toFixed(1)} | ${Math.round(row.rps)} | ${roles.map((r) => row.peaks[r]!.toFixed(0)).join(' | ')} |`);
}
const [small, large] = table;
console.log(
  `\npeak RSS ratio ${large!.objects}/${small!.objects} objects: ` +
    roles.map((r) => `${r} ${(large!.peaks[r]! / small!.peaks[r]!).toFixed(2)}×`).join(', ') +
    ` (records ×${(large!.objects / small!.objects).toFixed(0)})`,
);
