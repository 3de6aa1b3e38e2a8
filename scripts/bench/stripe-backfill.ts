/**
 * `pnpm bench stripe-backfill`: how close the Stripe source's parallel backfill comes to the rate
 * limit's ideal. The local Stripe emulator serves `--objects` customers behind `--latency-ms` of
 * latency per request and answers 429 above `--rate-limit` requests/s; `source-stripe read`
 * (the executable, default config: a test-mode key, so 25 requests/s, 100 objects per page)
 * backfills the customers stream. At R requests/s and 100 objects per page the ideal is R × 100
 * records/s; the figure is records/s over the whole read (process start to exit) against it.
 *
 *   pnpm bench stripe-backfill [--objects 100000] [--latency-ms 100] [--rate-limit 25] [--runs 1] [--max-concurrency N]
 *
 * `--max-concurrency 1` reads one page at a time: the baseline without parallel ranges.
 * Needs no database: the source's output is counted, not stored.
 */
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { startStripeEmulator } from '@sync/stripe-emulator';
import { median, MiB, watchMemory } from './process-memory.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: {
    objects: { type: 'string', default: '100000' },
    'latency-ms': { type: 'string', default: '100' },
    'rate-limit': { type: 'string', default: '25' },
    runs: { type: 'string', default: '1' },
    'max-concurrency': { type: 'string' },
  },
});
const objects = Number(values.objects);
const latencyMs = Number(values['latency-ms']);
const rateLimit = Number(values['rate-limit']);
const runs = Number(values.runs);
const maxConcurrency = values['max-concurrency'] === undefined ? undefined : Number(values['max-concurrency']);
const PAGE = 100;
const ideal = rateLimit * PAGE;
const source = join(import.meta.dirname, '..', '..', 'packages/source-stripe/bin/source-stripe.js');

interface Sample {
  seconds: number;
  records: number;
  states: number;
  requests: number;
  rateLimited: number;
  peakRssMiB: number;
}

async function runOnce(dir: string): Promise<Sample> {
  const apiKey = 'sk_test_bench';
  const emulator = await startStripeEmulator({ objects: 0, counts: { customers: objects }, seed: 'bench', apiKey, latencyMs, rateLimit });
  try {
    const catalog = {
      streams: [{
        stream: { name: 'customers', json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'] },
        sync_mode: 'incremental', destination_sync_mode: 'append_dedup', cursor_field: ['created'], primary_key: [['id']],
      }],
    };
    // requests_per_second is left to its default: Stripe's test-mode limit, 25/s.
    await writeFile(join(dir, 'config.json'), JSON.stringify({ api_key: apiKey, base_url: emulator.url, ...(maxConcurrency ? { max_concurrency: maxConcurrency } : {}) }));
    await writeFile(join(dir, 'catalog.json'), JSON.stringify(catalog));
    const started = performance.now();
    const child = execa(process.execPath, [source, 'read', '--config', join(dir, 'config.json'), '--catalog', join(dir, 'catalog.json')], { reject: false, buffer: { stdout: false } });
    const memory = watchMemory(child.pid!);
    let records = 0;
    let states = 0;
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('{"type":"RECORD"')) records++;
      else if (line.startsWith('{"type":"STATE"')) states++;
    });
    const [result] = await Promise.all([child, once(lines, 'close')]);
    const seconds = (performance.now() - started) / 1000;
    const peaks = memory.stop();
    if (result.exitCode !== 0) throw new Error(`source-stripe read failed: ${String(result.stderr)}`);
    if (records !== objects) throw new Error(`expected ${objects} records, got ${records}`);
    const counters = emulator.counters;
    return { seconds, records, states, requests: counters.requests, rateLimited: counters.rateLimited, peakRssMiB: Math.max(...peaks.map((p) => p.peakRssBytes)) / MiB };
  } finally {
    await emulator.close();
  }
}

const command = `pnpm bench stripe-backfill --objects ${objects} --latency-ms ${latencyMs} --rate-limit ${rateLimit} --runs ${runs}${maxConcurrency ? ` --max-concurrency ${maxConcurrency}` : ''}`;
console.log(`$ ${command}`);
console.log(`${objects} customers, ${latencyMs} ms latency, 429 above ${rateLimit} requests/s; ideal ${rateLimit} × ${PAGE} = ${ideal} records/s\n`);
const dir = await mkdtemp(join(tmpdir(), 'bench-stripe-'));
const samples: Sample[] = [];
try {
  for (let i = 0; i < runs; i++) samples.push(await runOnce(dir));
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log('| run | seconds | records/s | % of ideal | requests | 429s | STATEs | peak RSS source (MiB) |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
samples.forEach((s, i) => {
  const rps = s.records / s.seconds;
  console.log(`| ${i + 1} | ${s.seconds.toFixed(1)} | ${Math.round(rps)} | ${((100 * rps) / ideal).toFixed(1)}% | ${s.requests} | ${s.rateLimited} | ${s.states} | ${s.peakRssMiB.toFixed(0)} |`);
});
const rps = median(samples.map((s) => s.records / s.seconds));
console.log(`\nmedian: ${Math.round(rps)} records/s, ${((100 * rps) / ideal).toFixed(1)}% of the ideal ${ideal}/s (target ≥ 90%)`);
