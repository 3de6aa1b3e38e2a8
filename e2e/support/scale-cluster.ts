/**
 * A deployment of the scale-out tests (issue 16), as docs/deployment.md describes one: a database of
 * its own (state store, job queue and rate buckets all in it), `sync serve --workers 0` for the API
 * only, any number of `sync worker` processes and `sync emulator stripe` processes (one per Stripe
 * account), every process sharing one SYNC_SECRET_KEY. Plus what the tests read back: runs with
 * their queue fields, and the rows each emulator serves.
 */
import { startStripeEmulator } from '@sync/stripe-emulator';
import { ApiClient, type ApiRun } from './api-client.ts';
import { createTestDatabase, startApiServer, type ApiServer, type TestDatabase } from './api-server.ts';
import { newSecretKey, startEmulatorProcess, startWorkerProcess, type EmulatorProcess, type EmulatorProcessOptions, type WorkerProcess, type WorkerProcessOptions } from './scale-processes.ts';

/** A run with the fields the queue adds (trigger, attempt, …), as `GET /runs/{id}` shows it. */
export interface QueuedRun extends ApiRun {
  trigger: 'manual' | 'schedule' | 'retry' | 'continuation' | 'webhook';
  attempt: number;
  previous_run_id: string | null;
  takeovers: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** Per-pipeline settings of `pipelineBody` besides the source's config. */
export interface PipelineSettings {
  /** Streams to sync, each with its defaults (incremental, append_dedup). */
  streams: readonly string[];
  /** More Stripe source config (`page_size`, `max_concurrency`, a wrong `api_key`, …). */
  source?: Record<string, unknown>;
  schedule?: { cron: string; timezone?: string; jitter_seconds?: number } | null;
  max_attempts?: number;
  max_duration_seconds?: number | null;
}

/** A started deployment. */
export interface ScaleCluster {
  db: TestDatabase;
  /** `sync serve --workers 0`. */
  server: ApiServer;
  client: ApiClient;
  /** SYNC_SECRET_KEY of every process. */
  secretKey: string;
  /** Every worker started so far, stopped ones included. */
  workers: WorkerProcess[];
  emulators: EmulatorProcess[];
  /** Starts one more `sync worker` on the database. */
  startWorker(options?: Omit<WorkerProcessOptions, 'databaseUrl' | 'secretKey'>): Promise<WorkerProcess>;
  /** Starts one more `sync emulator stripe` (a Stripe account of its own). */
  startEmulator(options: EmulatorProcessOptions): Promise<EmulatorProcess>;
  /** The `POST /pipelines` body of a Stripe (`emulator`) → Postgres (`schema` of the test database) pipeline. */
  pipelineBody(id: string, emulator: EmulatorProcess, schema: string, settings: PipelineSettings): Record<string, unknown>;
  /** Creates a pipeline (expects 201). */
  createPipeline(body: Record<string, unknown>): Promise<void>;
  /** Every run of a pipeline, newest first. */
  runsOf(pipelineId: string): Promise<QueuedRun[]>;
  /** Stops the workers, the server and the emulators; drops the database. */
  close(): Promise<void>;
}

/**
 * Starts the database and `sync serve --workers 0` (no worker yet).
 *
 * @param serverEnv more environment for `sync serve` (a PATH with test connectors).
 */
export async function startScaleCluster(serverEnv: Record<string, string | undefined> = {}): Promise<ScaleCluster> {
  const secretKey = newSecretKey();
  const db = await createTestDatabase();
  let server: ApiServer;
  try {
    server = await startApiServer({ databaseUrl: db.adminUrl, workers: 0, env: { SYNC_SECRET_KEY: secretKey, ...serverEnv } });
  } catch (error) {
    await db.drop();
    throw error;
  }
  const client = new ApiClient(server.url, server.token);
  const workers: WorkerProcess[] = [];
  const emulators: EmulatorProcess[] = [];
  return {
    db,
    server,
    client,
    secretKey,
    workers,
    emulators,
    async startWorker(options = {}) {
      const worker = await startWorkerProcess({ ...options, databaseUrl: db.adminUrl, secretKey });
      workers.push(worker);
      return worker;
    },
    async startEmulator(options) {
      const emulator = await startEmulatorProcess(options);
      emulators.push(emulator);
      return emulator;
    },
    pipelineBody: (id, emulator, schema, settings) => {
      const { streams, source, ...operations } = settings;
      return {
        id,
        source: { name: 'stripe', config: { api_key: emulator.apiKey, base_url: emulator.url, ...source } },
        destination: { name: 'postgres', config: { url: db.ownerUrl, schema } },
        streams: streams.map((name) => ({ name })),
        ...operations,
      };
    },
    async createPipeline(body) {
      const created = await client.post('/pipelines', body);
      if (created.status !== 201) throw new Error(`POST /pipelines answered ${created.status}: ${created.text}`);
    },
    async runsOf(pipelineId) {
      const listed = await client.get<{ data: QueuedRun[] }>(`/pipelines/${pipelineId}/runs`);
      if (listed.status !== 200) throw new Error(`GET /pipelines/${pipelineId}/runs answered ${listed.status}: ${listed.text}`);
      return listed.body.data;
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await server.stop();
      await Promise.all(emulators.map((e) => e.stop()));
      await db.drop();
    },
  };
}

/**
 * The objects of `stream` that an emulator started with `options` serves, as `{ id, raw }` ordered by
 * id (as `TestDatabase.tableRows` gives a table): made by an emulator in this process with the same
 * objects and seed, whose data is byte-identical (the emulator's README: same seed, same data).
 */
export async function servedBy(options: Pick<EmulatorProcessOptions, 'objects' | 'seed'>, stream: string): Promise<{ id: string; raw: Record<string, unknown> }[]> {
  const twin = await startStripeEmulator({ objects: options.objects, seed: options.seed });
  try {
    return twin
      .objects(stream)
      .map((o) => ({ id: String(o.id), raw: o as Record<string, unknown> }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  } finally {
    await twin.close();
  }
}

/** Whether two runs' [started_at, finished_at] intervals share an instant (an unfinished run runs on). */
export function overlap(a: QueuedRun, b: QueuedRun): boolean {
  const start = (r: QueuedRun) => Date.parse(r.started_at ?? r.created_at);
  const end = (r: QueuedRun) => (r.finished_at ? Date.parse(r.finished_at) : Number.POSITIVE_INFINITY);
  return start(a) < end(b) && start(b) < end(a);
}
