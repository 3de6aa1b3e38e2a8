/**
 * stripe-storm-memory: peak RSS of `sync source stripe read` backfilling customers through a storm
 * (a tenth of requests fail with 500s, 429 above 300 requests/s while the source asks 400/s), at two
 * sizes. Memory must not grow with the data: the figure is the ratio of peaks, large / small, measured
 * in the same run. Medians of --runs runs.
 *
 *   pnpm bench stripe-storm-memory [--small 5000] [--large 50000] [--runs 3]
 */
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
import { startStripeEmulator } from '@sync/stripe-emulator';
import { median, watchMemory } from './process-memory.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: { small: { type: 'string', default: '5000' }, large: { type: 'string', default: '50000' }, runs: { type: 'string', default: '3' } },
});
const sync = join(import.meta.dirname, '..', '..', 'apps/cli/bin/sync.js');
const apiKey = 'sk_test_bench';

async function peakRss(customers: number, dir: string): Promise<{ mib: number; failed: number }> {
  const emulator = await startStripeEmulator({ apiKey, objects: 0, counts: { customers }, seed: 'memory', rateLimit: 300, failureRate: 0.1 });
  try {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ api_key: apiKey, base_url: emulator.url, requests_per_second: 400 }));
    await writeFile(
      join(dir, 'catalog.json'),
      JSON.stringify({ streams: [{ stream: { name: 'customers', json_schema: {}, supported_sync_modes: ['incremental'] }, sync_mode: 'incremental', destination_sync_mode: 'append_dedup', cursor_field: ['created'], primary_key: [['id']] }] }),
    );
    const child = execa(process.execPath, [sync, 'source', 'stripe', 'read', '--config', join(dir, 'config.json'), '--catalog', join(dir, 'catalog.json')], { reject: false, buffer: { stdout: false } });
    const memory = watchMemory(child.pid!, 20);
    let records = 0;
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (line.startsWith('{"type":"RECORD"')) records++;
    });
    const [result] = await Promise.all([child, once(lines, 'close')]);
    const peaks = memory.stop().filter((p) => p.command.includes('source-stripe'));
    if (result.exitCode !== 0 || records !== customers) throw new Error(`read failed or incomplete (${records}/${customers}): ${String(result.stderr)}`);
    return { mib: Math.max(...peaks.map((p) => p.peakRssBytes)) / 1024 / 1024, failed: emulator.counters.failed };
  } finally {
    await emulator.close();
  }
}

const small = Number(values.small);
const large = Number(values.large);
const runs = Number(values.runs);
console.log(`$ pnpm bench stripe-storm-memory --small ${small} --large ${large} --runs ${runs}\n`);
const dir = await mkdtemp(join(tmpdir(), 'stripe-memory-'));
const rows: { small: number; large: number; failed: number }[] = [];
try {
  for (let run = 0; run < runs; run++) {
    const a = await peakRss(small, dir);
    const b = await peakRss(large, dir);
    rows.push({ small: a.mib, large: b.mib, failed: a.failed + b.failed });
    console.log(`run ${run + 1}: ${a.mib.toFixed(0)} MiB for ${small} customers, ${b.mib.toFixed(0)} MiB for ${large} (${a.failed + b.failed} requests failed and were retried)`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const ratio = median(rows.map((r) => r.large / r.small));
console.log(`\nmedian peak RSS ${median(rows.map((r) => r.small)).toFixed(0)} MiB → ${median(rows.map((r) => r.large)).toFixed(0)} MiB for ${large / small}× the records: ratio ${ratio.toFixed(2)}×`);
