/**
 * The main job: `sync run --source stripe --dest postgres` against the emulator puts every object of
 * every stream into Postgres, exactly, and a second run reads only what is new.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StripeEmulator } from '@sync/stripe-emulator';
import { runCli } from './support/cli.ts';
import { freshSchema, query, tableRows } from './support/database.ts';
import { stripeCatalog } from '@sync/source-stripe';
import { runArgs, servedRows, startEmulator, stripeEnv } from './support/stripe.ts';

describe('sync run --source stripe --dest postgres', () => {
  let emulator: StripeEmulator;
  const schema = freshSchema();

  beforeAll(async () => {
    emulator = await startEmulator({ objects: 3000, seed: 'main-job' });
  });
  afterAll(() => emulator?.close());

  it('copies every object of every stream, exactly and without duplicates', async () => {
    const result = await runCli(runArgs(schema), stripeEnv(emulator));
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.exitCode).toBe(0);
    expect(emulator.resources.length).toBeGreaterThanOrEqual(5);
    for (const resource of emulator.resources) {
      const served = servedRows(emulator, resource);
      const stored = await tableRows(schema, resource);
      expect(stored.length, resource).toBe(served.length);
      expect(stored, resource).toEqual(served);
    }
    const total = emulator.resources.reduce((n, r) => n + emulator.objects(r).length, 0);
    expect(total).toBe(3000);
    expect(result.stdout).toMatch(/succeeded .*3,000 records committed/);
  });

  it('records the run and one state per stream in the state store', async () => {
    const runs = await query<{ status: string }>(`select status from sync.runs where pipeline_id = $1`, [schema]);
    expect(runs.map((r) => r.status)).toEqual(['succeeded']);
    const states = await query<{ stream: string }>(`select stream from sync.stream_states where pipeline_id = $1 order by stream`, [schema]);
    expect(states.map((s) => s.stream)).toEqual([...emulator.resources].sort());
  });

  it('a second run resumes from the saved state: nothing re-read but the streams that can only be read whole', async () => {
    const result = await runCli(runArgs(schema), stripeEnv(emulator));
    expect(result.exitCode).toBe(0);
    const runs = await query<{ status: string; streams: Record<string, { records_read: number }> }>(`select status, streams from sync.runs where pipeline_id = $1 order by started_at`, [schema]);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    const incremental = new Set(stripeCatalog().streams.filter((s) => s.supported_sync_modes.includes('incremental')).map((s) => s.name));
    for (const resource of emulator.resources) {
      // Nothing changed: an incremental stream reads nothing; a full-refresh one everything, again.
      expect(runs[1]!.streams[resource]!.records_read, resource).toBe(incremental.has(resource) ? 0 : emulator.objects(resource).length);
      expect(await tableRows(schema, resource), resource).toEqual(servedRows(emulator, resource));
    }
    expect(incremental.size).toBeGreaterThan(emulator.resources.length / 2);
  });
});
