/**
 * Storms: bursts of 429s and 500s, a rate limit below the source's request rate and random server
 * errors still end with complete data, and the source's memory does not grow with the data it reads.
 */
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import type { StripeEmulator } from '@sync/stripe-emulator';
import { watchMemory } from '../scripts/bench/process-memory.ts';
import { repoRoot, runCli, syncBin, cliEnv } from './support/cli.ts';
import { freshSchema, tableRows } from './support/database.ts';
import { API_KEY, runArgs, servedRows, startEmulator, stripeEnv } from './support/stripe.ts';

describe('Stripe storms', () => {
  let emulator: StripeEmulator;

  beforeAll(async () => {
    emulator = await startEmulator({ objects: 5_000, seed: 'stripe-storms', rateLimit: 30, failureRate: 0.05 });
  });
  afterAll(() => emulator?.close());

  it('ends with complete data through storms of 429s and 500s', async () => {
    const schema = freshSchema('ss');
    let seen = 0;
    // Two storms: the 60th request starts 25 answers of 429, the 150th 25 answers of 500.
    emulator.inject({ delayMs: 1, count: 1_000_000, when: () => {
      seen++;
      if (seen === 60) emulator.inject({ status: 429, count: 25, retryAfterSeconds: 1 });
      if (seen === 150) emulator.inject({ status: 500, count: 25 });
      return false;
    } });
    const result = await runCli(runArgs(schema, '--source-config', JSON.stringify({ page_size: 50, requests_per_second: 60 })), stripeEnv(emulator));
    emulator.clearFaults();
    expect(result.exitCode).toBe(0);
    for (const resource of emulator.resources) expect(await tableRows(schema, resource), resource).toEqual(servedRows(emulator, resource));
    const counters = emulator.counters;
    expect(counters.byStatus['429']).toBeGreaterThanOrEqual(25);
    expect(counters.byStatus['500']).toBeGreaterThanOrEqual(25);
    expect(counters.rateLimited).toBeGreaterThan(0);
  });
});

describe('Stripe source memory', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stripe-memory-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Peak RSS (MiB) of `sync source stripe read` backfilling `customers` customers through a storm. */
  async function peakRss(customers: number): Promise<number> {
    const emulator = await startEmulator({ objects: 0, counts: { customers }, seed: 'memory', rateLimit: 300, failureRate: 0.1 });
    try {
      await writeFile(join(dir, 'config.json'), JSON.stringify({ api_key: API_KEY, base_url: emulator.url, requests_per_second: 400 }));
      await writeFile(join(dir, 'catalog.json'), JSON.stringify({ streams: [{ stream: { name: 'customers', json_schema: {}, supported_sync_modes: ['incremental'] }, sync_mode: 'incremental', destination_sync_mode: 'append_dedup', cursor_field: ['created'], primary_key: [['id']] }] }));
      const child = execa(process.execPath, [syncBin, 'source', 'stripe', 'read', '--config', join(dir, 'config.json'), '--catalog', join(dir, 'catalog.json')], { cwd: repoRoot, env: cliEnv({}), extendEnv: false, reject: false, buffer: { stdout: false } });
      const memory = watchMemory(child.pid!, 20);
      let records = 0;
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        if (line.startsWith('{"type":"RECORD"')) records++;
      });
      const [result] = await Promise.all([child, once(lines, 'close')]);
      const peaks = memory.stop().filter((p) => p.command.includes('source-stripe'));
      expect(result.exitCode, String(result.stderr)).toBe(0);
      expect(records).toBe(customers);
      expect(emulator.counters.failed).toBeGreaterThan(0);
      return Math.max(...peaks.map((p) => p.peakRssBytes)) / 1024 / 1024;
    } finally {
      await emulator.close();
    }
  }

  it('stays flat: ten times the records, about the same peak memory', async () => {
    const small = await peakRss(5_000);
    const large = await peakRss(50_000);
    expect(large / small, `peak RSS ${small.toFixed(0)} MiB for 5,000 customers, ${large.toFixed(0)} MiB for 50,000`).toBeLessThan(1.25);
  });
});
