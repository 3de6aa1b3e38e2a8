/**
 * google-sheets-memory: peak RSS of `destination-google-sheets write` at two sizes, fed generated
 * customer records (about 400 bytes each, one STATE per 100) over stdin, writing to the local fake
 * Sheets API (running in this process). The destination keeps an index (primary key → row), not
 * the rows, so its peak must grow far slower than the records. Medians of --runs runs.
 *
 *   pnpm bench google-sheets-memory [--small 10000] [--large 100000] [--runs 3]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { execa } from 'execa';
// Imported by path: the root package.json does not list the emulator.
import { startSheetsEmulator } from '../../packages/google-sheets-emulator/src/index.ts';
import { median, MiB, watchMemory } from './process-memory.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: { small: { type: 'string', default: '10000' }, large: { type: 'string', default: '100000' }, runs: { type: 'string', default: '3' } },
});
const sizes = [Number(values.small), Number(values.large)];
const runs = Number(values.runs);
const bin = join(import.meta.dirname, '..', '..', 'packages/destination-google-sheets/bin/destination-google-sheets.js');

const catalog = {
  streams: [
    {
      stream: {
        name: 'customers',
        json_schema: { type: 'object', properties: { id: {}, created: {}, email: {}, name: {}, description: {}, metadata: {} } },
        supported_sync_modes: ['incremental'],
        source_defined_primary_key: [['id']],
        default_cursor_field: ['created'],
      },
      sync_mode: 'incremental',
      destination_sync_mode: 'append_dedup',
      cursor_field: ['created'],
      primary_key: [['id']],
    },
  ],
};

function* lines(records: number): Generator<string> {
  for (let i = 0; i < records; i++) {
    const data = { id: `cus_${String(i).padStart(14, '0')}`, created: 1_600_000_000 + i, email: `customer${i}@example.com`, name: `Customer ${i}`, description: 'x'.repeat(200), metadata: { plan: i % 3 ? 'pro' : 'free', seq: i } };
    yield `${JSON.stringify({ type: 'RECORD', record: { stream: 'customers', data, emitted_at: 0 } })}\n`;
    if ((i + 1) % 100 === 0) yield `${JSON.stringify({ type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: { name: 'customers' }, stream_state: { i } }, sourceStats: { recordCount: 100 } } })}\n`;
  }
}

async function runOnce(records: number, dir: string): Promise<{ seconds: number; peakMiB: number }> {
  const sheets = await startSheetsEmulator();
  try {
    const id = sheets.createSpreadsheet('bench');
    const config = join(dir, 'config.json');
    const catalogFile = join(dir, 'catalog.json');
    await writeFile(config, JSON.stringify({ spreadsheet_id: id, credentials: { auth_type: 'oauth2', client_id: sheets.oauthClient.clientId, client_secret: sheets.oauthClient.clientSecret, refresh_token: sheets.oauthClient.refreshToken }, api_base_url: sheets.url, token_url: sheets.tokenUrl, requests_per_minute: 1_000_000 }));
    await writeFile(catalogFile, JSON.stringify(catalog));
    const started = performance.now();
    const child = execa(process.execPath, [bin, 'write', '--config', config, '--catalog', catalogFile], { input: undefined, stdin: 'pipe', reject: false });
    const memory = watchMemory(process.pid);
    for (const line of lines(records)) if (!child.stdin!.write(line)) await new Promise((r) => child.stdin!.once('drain', r));
    child.stdin!.end();
    const result = await child;
    const peaks = memory.stop().filter((p) => p.command.includes('destination-google-sheets'));
    if (result.exitCode !== 0) throw new Error(`destination failed: ${result.stderr}`);
    const rows = sheets.values(id, 'customers').length - 1;
    if (rows !== records) throw new Error(`expected ${records} rows, found ${rows}`);
    return { seconds: (performance.now() - started) / 1000, peakMiB: Math.max(...peaks.map((p) => p.peakRssBytes)) / MiB };
  } finally {
    await sheets.close();
  }
}

console.log(`$ pnpm bench google-sheets-memory --small ${sizes[0]} --large ${sizes[1]} --runs ${runs}\n`);
const dir = await mkdtemp(join(tmpdir(), 'sheets-bench-'));
const table: { records: number; seconds: number; peak: number }[] = [];
try {
  for (const records of sizes) {
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push(await runOnce(records, dir));
    table.push({ records, seconds: median(samples.map((s) => s.seconds)), peak: median(samples.map((s) => s.peakMiB)) });
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log('| rows | seconds | peak RSS destination (MiB) |\n| ---: | ---: | ---: |');
for (const row of table) console.log(`| ${row.records.toLocaleString('en-US')} | ${row.seconds.toFixed(1)} | ${row.peak.toFixed(0)} |`);
console.log(`\npeak RSS ratio ${sizes[1]}/${sizes[0]} rows: ${(table[1]!.peak / table[0]!.peak).toFixed(2)}× (rows ×${(sizes[1]! / sizes[0]!).toFixed(0)})`);
