/**
 * postgres-load: the Postgres destination's load path against a baseline measured in the same run.
 *
 *   pnpm bench postgres-load [--records 1000000] [--bytes 1024] [--runs 3]
 *
 * Input: `--records` faker customers of about `--bytes` bytes each, as NDJSON protocol messages (a
 * STATE every 10,000 records), written once to a temp file. Three pipelines, each into a fresh schema,
 * append_dedup (the CLI's default for a stream with a primary key), `--runs` times, medians:
 *
 *   baseline     psql: `\copy` of the NDJSON file into a jsonb staging table, then the destination's
 *                own merge statement (typed columns, dedup) over all records at once
 *   destination  `sync dest postgres write --config F --catalog F < file`
 *   end to end   `sync run --source faker --dest postgres --source-config '{"count":N,…}'`
 *
 * Figures: records/s, the ratio to the baseline, and the peak RSS (VmHWM) of every process.
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
import { configureCatalog, type ConfiguredAirbyteCatalog } from '../../packages/protocol/src/index.ts';
import { benchDatabase } from './database.ts';
import { fakerCatalog, FakerSourceConfig } from '../../packages/source-faker/src/index.ts';
import { createTableSql, mergeStatements, planTables } from '../../packages/destination-postgres/src/index.ts';
import { median, MiB, watchMemory } from './process-memory.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    records: { type: 'string', default: '1000000' },
    bytes: { type: 'string', default: '1024' },
    runs: { type: 'string', default: '3' },
  },
});
const records = Number(values.records);
const runs = Number(values.runs);
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
  peakMiB: Record<string, number>;
}

/** Runs `command`, sampling the memory of it and its children; checks the row count afterwards. */
async function measure(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; stdinFile?: string; schema: string; url: string }): Promise<Sample> {
  const started = performance.now();
  const child = execa(command, args, {
    env: { ...process.env, ...options.env },
    reject: false,
    ...(options.stdinFile ? { inputFile: options.stdinFile } : {}),
    stdout: 'ignore',
  });
  const memory = watchMemory(child.pid!);
  const result = await child;
  const peaks = memory.stop();
  const seconds = (performance.now() - started) / 1000;
  if (result.exitCode !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${String(result.stderr).slice(-2000)}`);
  const peakMiB: Record<string, number> = {};
  for (const peak of peaks) {
    const name = role(peak.command);
    if (name) peakMiB[name] = Math.max(peakMiB[name] ?? 0, peak.peakRssBytes / MiB);
  }
  const client = new pg.Client({ connectionString: options.url });
  await client.connect();
  const { rows } = await client.query<{ n: number }>(`select count(*)::int as n from "${options.schema}".customers`);
  await client.query(`drop schema "${options.schema}" cascade`);
  await client.end();
  if (rows[0]?.n !== records) throw new Error(`${options.schema}.customers has ${rows[0]?.n} rows, expected ${records}`);
  return { seconds, peakMiB };
}

/** The baseline's psql script: staging table, \copy, then the destination's merge statement. */
function baselineScript(catalog: ConfiguredAirbyteCatalog, schema: string, file: string): string {
  const table = planTables(catalog, schema).get('customers')!;
  const staging = `"${schema}".staging`;
  // The same row shape as the destination's staging table, read from the protocol envelopes.
  const rows = `(select seq, false as deleted, line -> 'record' -> 'data' as data from ${staging} where line ->> 'type' = 'RECORD') staged`;
  const merge = mergeStatements(table, { target: table.qualifiedName, staging: rows, hardDelete: false, hasDeletes: false });
  return [
    '\\set ON_ERROR_STOP on',
    `create schema "${schema}";`,
    `${createTableSql(table)};`,
    `create unlogged table ${staging} (seq bigserial, line jsonb not null);`,
    // CSV with quote and delimiter bytes that JSON never contains: each line is one jsonb value, as is.
    `\\copy ${staging} (line) from '${file}' with (format csv, quote e'\\x01', delimiter e'\\x02')`,
    ...merge.map((sql) => `${sql};`),
    '',
  ].join('\n');
}

const database = await benchDatabase();
const url = database.url;
const dir = await mkdtemp(join(tmpdir(), 'pg-load-bench-'));
const command = `pnpm bench postgres-load --records ${records} --bytes ${values.bytes} --runs ${runs}`;
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

  const samples: Record<string, Sample[]> = { baseline: [], destination: [], 'end to end': [] };
  for (let run = 0; run < runs; run++) {
    const schema = (what: string) => `bench_load_${what}_${run}_${Date.now()}`;
    const baseline = schema('baseline');
    const script = join(dir, 'baseline.sql');
    await writeFile(script, baselineScript(catalog, baseline, files.input));
    samples.baseline!.push(await measure('psql', ['-q', url, '-f', script], { schema: baseline, url }));

    const dest = schema('dest');
    const destConfig = join(dir, 'dest.json');
    await writeFile(destConfig, JSON.stringify({ url, schema: dest }));
    samples.destination!.push(
      await measure(process.execPath, [sync, 'dest', 'postgres', 'write', '--config', destConfig, '--catalog', files.catalog], { stdinFile: files.input, schema: dest, url }),
    );

    const e2e = schema('e2e');
    samples['end to end']!.push(
      await measure(
        process.execPath,
        [sync, 'run', '--source', 'faker', '--dest', 'postgres', '--plain', '--pipeline', e2e, '--source-config', JSON.stringify(sourceConfig), '--dest-config', JSON.stringify({ schema: e2e })],
        { env: { DATABASE_URL: url }, schema: e2e, url },
      ),
    );
    console.log(`run ${run + 1}/${runs}: ${Object.entries(samples).map(([k, s]) => `${k} ${s.at(-1)!.seconds.toFixed(1)} s`).join(', ')}`);
  }

  const baselineRate = records / median(samples.baseline!.map((s) => s.seconds));
  console.log(`\n| pipeline | seconds | records/s | × baseline | peak RSS per process (MiB) |`);
  console.log(`| --- | ---: | ---: | ---: | --- |`);
  for (const [name, list] of Object.entries(samples)) {
    const seconds = median(list.map((s) => s.seconds));
    const roles = [...new Set(list.flatMap((s) => Object.keys(s.peakMiB)))].sort();
    const peaks = roles.map((r) => `${r} ${median(list.map((s) => s.peakMiB[r] ?? 0)).toFixed(0)}`).join(', ');
    console.log(`| ${name} | ${seconds.toFixed(1)} | ${Math.round(records / seconds).toLocaleString('en-US')} | ${(records / seconds / baselineRate).toFixed(2)} | ${peaks} |`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
  await database.close();
}
