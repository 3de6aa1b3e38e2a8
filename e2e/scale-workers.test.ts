/**
 * Scale out (issue 16, "must show"): three `sync worker` processes and `sync serve --workers 0` on one
 * database, nine Stripe → Postgres pipelines over three Stripe accounts (three `sync emulator stripe`
 * processes, each answering 429 above 25 requests/s, 50 ms per answer), all nine runs started at once
 * through the API. Once a run of one worker has saved a checkpoint, that worker's process group is
 * SIGKILLed, as a lost machine. Then: every run ends `succeeded`, once (one run per pipeline, one
 * `run_finished`); the dead worker's runs were taken over (`takeovers` ≥ 1) by the other workers and
 * its connectors did not outlive it for good; every table equals its emulator's objects, without
 * duplicates; and under 1 % of the requests each emulator saw were answered 429, because every run
 * of an account takes its tokens from one bucket in Postgres.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { descendants } from '../scripts/bench/process-memory.ts';
import type { RunEvent } from './support/api-client.ts';
import { freshSchema } from './support/database.ts';
import { running } from './support/processes.ts';
import { servedBy, startScaleCluster, type QueuedRun, type ScaleCluster } from './support/scale-cluster.ts';
import type { EmulatorProcess, WorkerProcess } from './support/scale-processes.ts';

const ACCOUNTS = 3;
const PIPELINES = 9;
const STREAMS = ['customers', 'products'] as const;
/** 6,000 objects: 643 customers and 161 products per account, 82 pages of 10 per pipeline. */
const OBJECTS = 6000;

let cluster: ScaleCluster;
let accounts: EmulatorProcess[];
let workers: WorkerProcess[];

beforeAll(async () => {
  cluster = await startScaleCluster();
  accounts = await Promise.all(Array.from({ length: ACCOUNTS }, (_, i) => cluster.startEmulator({ objects: OBJECTS, seed: `scale-account-${i}`, rateLimit: 25, latencyMs: 50 })));
  workers = await Promise.all(Array.from({ length: 3 }, () => cluster.startWorker({ concurrency: 3 })));
});
afterAll(() => cluster?.close());

/** What every process printed, for a failure's message. */
function story(): string {
  return cluster.workers.map((w, i) => `--- worker ${i} (pid ${w.pid})\n${w.output()}`).join('\n');
}

it('nine runs over three workers, one SIGKILLed mid-run: each succeeds once, tables exact, under 1 % of requests answered 429', async () => {
  const pipelines = Array.from({ length: PIPELINES }, (_, i) => ({ id: `p${i}`, account: accounts[i % ACCOUNTS]!, schema: freshSchema(`scale_p${i}`) }));
  for (const p of pipelines) {
    // Pages of 10: a checkpoint after each, so the kill lands between two of them.
    await cluster.createPipeline(cluster.pipelineBody(p.id, p.account, p.schema, { streams: STREAMS, source: { page_size: 10 } }));
  }
  const runs = await Promise.all(pipelines.map((p) => cluster.client.startRun(p.id)));

  const victim = workers[0]!;
  let kill: { pipeline: string; onVictim: string[]; connectors: number[] } | undefined;
  const events = await Promise.all(
    runs.map((run) =>
      cluster.client.followEvents(run.id, (event) => {
        if (kill || event.type !== 'checkpoint' || !victim.pipelinesStarted().includes(run.pipeline_id)) return;
        // The connectors run in process groups of their own: note them, to see them go after the kill.
        const connectors = [...descendants(victim.pid)].filter(([, command]) => /(source|destination)-/.test(command)).map(([pid]) => pid);
        kill = { pipeline: run.pipeline_id, onVictim: victim.pipelinesStarted(), connectors };
        victim.signal('SIGKILL');
      }),
    ),
  );
  expect(kill, `no checkpoint from a run of worker 0\n${story()}`).toBeDefined();
  expect(await victim.exited).toBeUndefined();
  expect(kill!.onVictim.length).toBeGreaterThan(0);

  const survivors = workers.slice(1).flatMap((w) => w.pipelinesStarted());
  const finished = new Map<string, QueuedRun>();
  for (const [i, p] of pipelines.entries()) {
    const runEvents: RunEvent[] = events[i]!;
    const ends = runEvents.filter((e) => e.type === 'run_finished');
    expect(
      ends.map((e) => e.status),
      `${p.id}: ${runEvents.filter((e) => e.type !== 'checkpoint' && e.type !== 'records_read').map((e) => JSON.stringify(e)).join('\n')}\n${story()}`,
    ).toEqual(['succeeded']);
    expect(runEvents.map((e) => e.seq)).toEqual(runEvents.map((_, n) => n + 1));
    // Exactly one run of each pipeline: no retry, no second run queued beside the taken-over one.
    const all = await cluster.runsOf(p.id);
    expect(all.map((r) => [r.id, r.status, r.trigger, r.attempt])).toEqual([[runs[i]!.id, 'succeeded', 'manual', 1]]);
    finished.set(p.id, all[0]!);
  }

  // The dead worker's runs were taken over by the others and resumed; nobody else's were.
  for (const p of pipelines) {
    const run = finished.get(p.id)!;
    if (kill!.onVictim.includes(p.id)) {
      expect(run.takeovers, `${p.id} ran on the killed worker`).toBeGreaterThanOrEqual(1);
      expect(survivors, `${p.id} was taken over`).toContain(p.id);
    } else {
      expect(run.takeovers, `${p.id} never ran on the killed worker`).toBe(0);
    }
  }
  expect(kill!.onVictim).toContain(kill!.pipeline);

  // Its connectors lose their engine: each ends (its input closes, its output has no reader).
  expect(kill!.connectors.length).toBeGreaterThan(0);
  await vi.waitFor(() => expect(kill!.connectors.filter(running)).toEqual([]), { timeout: 30_000, interval: 200 });

  for (const p of pipelines) {
    for (const stream of STREAMS) {
      const served = await servedBy(p.account.options, stream);
      const rows = await cluster.db.tableRows(p.schema, stream);
      expect(rows.length, `${p.id} ${stream}`).toBe(served.length);
      expect(new Set(rows.map((r) => r.id)).size, `${p.id} ${stream}: no duplicates`).toBe(rows.length);
      expect(rows, `${p.id} ${stream}`).toEqual(served);
    }
  }

  for (const [i, account] of accounts.entries()) {
    const counters = await account.counters();
    expect(counters.requests, `account ${i}`).toBeGreaterThan(0);
    expect(counters.rateLimited / counters.requests, `account ${i}: ${JSON.stringify(counters)}`).toBeLessThan(0.01);
  }
});
