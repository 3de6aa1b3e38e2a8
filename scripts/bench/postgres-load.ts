/**
 * postgres-load: the Postgres destination's load path against a raw baseline measured in the same run.
 *
 *   pnpm bench postgres-load [--records 1000000] [--bytes 1024] [--runs 3] [--only baseline,destination,e2e]
 *
 * Input: `--records` faker customers of about `--bytes` bytes each, as NDJSON protocol messages (a
 * STATE every 10,000 records), written once to a temp file. Three pipelines, each into a fresh schema,
 * append_dedup (the CLI's default for a stream with a primary key), `--runs` times, medians:
 *
 *   baseline     psql, raw: `\copy` of the NDJSON file into a jsonb staging table, then
 *                `insert into t (id, _raw_data, _synced_at) select … from staging on conflict (id) do
 *                update set …`: only the key, the raw record and the sync time, NO typed columns, no
 *                dedup within the input (faker ids are unique) and no cursor comparison. This is the
 *                cheapest way Postgres can hold the records, so the ratios show what typing,
 *                deduplication, checkpoints and the protocol cost on top of it. (Until issue 13 the
 *                baseline ran the destination's own typed merge, which hid that cost.)
 *   destination  `sync dest postgres write --config F --catalog F < file`
 *   end to end   `sync run --source faker --dest postgres --source-config '{"count":N,…}'`
 *
 * Figures: records/s (whole process, wall clock), the ratio to the baseline, the peak RSS (VmHWM) of
 * every process, and the whole tree's peak (the largest sum of the RSS of the processes alive at one
 * sample; /proc sampled every 50 ms), and the same peak in PSS (a page the processes share, such as
 * the `node` binary's code, counted once; informative, the goal is on the sum of RSS).
 * Uses DATABASE_URL when set, else an embedded Postgres in a temp dir.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import pg from 'pg';
import { configureCatalog } from '../../packages/protocol/src/index.ts';
import { benchDatabase } from './database.ts';
import { fakerCatalog, FakerSourceConfig } from '../../packages/source-faker/src/index.ts';
import { median, MiB, watchTreeMemory } from './process-memory.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    records: { type: 'string', default: '1000000' },
    bytes: { type: 'string', default: '1024' },
    runs: { type: 'string', default: '3' },
    only: { type: 'string', default: 'baseline,destination,e2e' },
  },
});
const records = Number(values.records);
const runs = Number(values.runs);
const only = new Set(values.only.split(','));
const root = join(import.meta.dirname, '..', '..');
const sync = join(root, 'apps/cli/bin/sync.js');
const fakerBin = join(root, 'packages/source-faker/bin/source-faker.js');
const sourceConfig = { count: records, record_bytes: Number(values.bytes), streams: 1, seed: 'bench', state_every: 10_000 };

function role(command: string): string | undefined {
  if (command.includes('source-faker')) return 'source';
  if (command.includes('destination-postgres')) return 'destination';
  if (command.includes('sync.js run')) return 'engine';
  if (command.includes('sync.js dest')) return 'cli';
  if (/(^|\/)psql /.test(command)) return 'psql';
  return undefined;
}

interface Sample {
  seconds: number;
  /** Peak RSS of each process role, MiB. */
  peakMiB: Record<string, number>;
  /** Peak of the sum of the RSS of the processes alive at once, MiB. */
  treeMiB: number;
  /** The same with PSS (pages the processes share counted once), MiB. */
  treePssMiB: number;
}

/** Runs `command`, sampling the memory of it and its children; checks the row count afterwards. */
async function measure(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; stdinFile?: string; schema: string; table?: string; url: string },
): Promise<Sample> {
  const started = performance.now();
  const child = execa(command, args, {
    env: { ...process.env, ...options.env },
    reject: false,
    ...(options.stdinFile ? { inputFile: options.stdinFile } : {}),
    stdout: 'ignore',
  });
  const memory = watchTreeMemory(child.pid!);
  const result = await child;
  const { treePeakBytes, treePeakPssBytes, processes: peaks } = memory.stop();
  const seconds = (performance.now() - started) / 1000;
  if (result.exitCode !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${String(result.stderr).slice(-2000)}`);
  const peakMiB: Record<string, number> = {};
  for (const peak of peaks) {
    const name = role(peak.command);
    if (name) peakMiB[name] = Math.max(peakMiB[name] ?? 0, peak.peakRssBytes / MiB);
  }
  const client = new pg.Client({ connectionString: options.url });
  await client.connect();
  const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from "${options.schema}".${options.table ?? 'customers'}`);
  await client.query(`drop schema "${options.schema}" cascade`);
  await client.end();
  if (rows[0]?.n !== records) throw new Error(`${options.schema}.${options.table ?? 'customers'} has ${rows[0]?.n} rows, expected ${records}`);
  return { seconds, peakMiB, treeMiB: treePeakBytes / MiB, treePssMiB: treePeakPssBytes / MiB };
}

/**
 * The raw baseline's psql script (see the header): a jsonb staging table filled by `\copy`, then one
 * upsert of the key, the raw record and the sync time into `t`.
 */
function baselineScript(schema: string, file: string): string {
  const staging = `"${schema}".staging`;
  return [
    '\\set ON_ERROR_STOP on',
    `create schema "${schema}";`,
    `create table "${schema}".t (id text primary key, _raw_data jsonb not null, _synced_at timestamptz not null);`,
    `create unlogged table ${staging} (line jsonb not null);`,
    // CSV with quote and delimiter bytes that JSON never contains: each line is one jsonb value, as is.
    `\\copy ${staging} (line) from '${file}' with (format csv, quote e'\\x01', delimiter e'\\x02')`,
    `insert into "${schema}".t (id, _raw_data, _synced_at) ` +
      `select line -> 'record' -> 'data' ->> 'id', line -> 'record' -> 'data', now() from ${staging} where line ->> 'type' = 'RECORD' ` +
      'on conflict (id) do update set _raw_data = excluded._raw_data, _synced_at = excluded._synced_at;',
    '',
  ].join('\n');
}

const database = await benchDatabase();
const url = database.url;
const dir = await mkdtemp(join(tmpdir(), 'pg-load-bench-'));
const command = `pnpm bench postgres-load --records ${records} --bytes ${values.bytes} --runs ${runs}${values.only === 'baseline,destination,e2e' ? '' : ` --only ${values.only}`}`;
console.log(`$ ${command}`);
console.log(`database: ${database.embedded ? 'embedded Postgres' : 'DATABASE_URL'}; ${runs} runs each, medians\n`);

try {
  const catalog = configureCatalog(await fakerCatalog(FakerSourceConfig.parse(sourceConfig)));
  const files = { input: join(dir, 'input.ndjson'), catalog: join(dir, 'catalog.json'), source: join(dir, 'source.json') };
  await writeFile(files.catalog, JSON.stringify(catalog));
  await writeFile(files.source, JSON.stringify(sourceConfig));
  const generator = spawn(process.execPath, [fakerBin, 'read', '--config', files.source, '--catalog', files.catalog], { stdio: ['ignore', 'pipe', 'inherit'] });
  generator.stdout.pipe(createWriteStream(files.input));
  await new Promise((resolve) => generator.on('close', resolve));

  const samples: Record<string, Sample[]> = {};
  for (const name of ['baseline', 'destination', 'e2e']) if (only.has(name)) samples[name === 'e2e' ? 'end to end' : name] = [];
  for (let run = 0; run < runs; run++) {
    const schema = (what: string) => `bench_load_${what}_${run}_${Date.now()}`;
    if (samples.baseline) {
      const baseline = schema('baseline');
      const script = join(dir, 'baseline.sql');
      await writeFile(script, baselineScript(baseline, files.input));
      samples.baseline.push(await measure('psql', ['-q', url, '-f', script], { schema: baseline, table: 't', url }));
    }

    if (samples.destination) {
      const dest = schema('dest');
      const destConfig = join(dir, 'dest.json');
      await writeFile(destConfig, JSON.stringify({ url, schema: dest }));
      samples.destination.push(
        await measure(process.execPath, [sync, 'dest', 'postgres', 'write', '--config', destConfig, '--catalog', files.catalog], { stdinFile: files.input, schema: dest, url }),
      );
    }

    const e2e = schema('e2e');
    if (samples['end to end']) samples['end to end'].push(
      await measure(
        process.execPath,
        [sync, 'run', '--source', 'faker', '--dest', 'postgres', '--plain', '--pipeline', e2e, '--source-config', JSON.stringify(sourceConfig), '--dest-config', JSON.stringify({ schema: e2e })],
        { env: { DATABASE_URL: url }, schema: e2e, url },
      ),
    );
    console.log(`run ${run + 1}/${runs}: ${Object.entries(samples).map(([k, s]) => `${k} ${s.at(-1)!.seconds.toFixed(1)} s`).join(', ')}`);
  }

  const baselineRate = samples.baseline ? records / median(samples.baseline.map((s) => s.seconds)) : NaN;
  console.log(`\n| pipeline | seconds | records/s | × baseline | peak RSS per process (MiB) | whole tree (MiB) | whole tree, PSS (MiB) |`);
  console.log(`| --- | ---: | ---: | ---: | --- | ---: | ---: |`);
  for (const [name, list] of Object.entries(samples)) {
    const seconds = median(list.map((s) => s.seconds));
    const roles = [...new Set(list.flatMap((s) => Object.keys(s.peakMiB)))].sort();
    const peaks = roles.map((r) => `${r} ${median(list.map((s) => s.peakMiB[r] ?? 0)).toFixed(0)}`).join(', ');
    console.log(`| ${name} | ${seconds.toFixed(1)} | ${Math.round(records / seconds).toLocaleString('en-US')} | ${(records / seconds / baselineRate).toFixed(2)} | ${peaks} | ${median(list.map((s) => s.treeMiB)).toFixed(0)} | ${median(list.map((s) => s.treePssMiB)).toFixed(0)} |`);
    console.log(`  run by run: ${list.map((s) => `${s.seconds.toFixed(1)} s / tree ${s.treeMiB.toFixed(0)} MiB`).join(', ')}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
  await database.close();
}
