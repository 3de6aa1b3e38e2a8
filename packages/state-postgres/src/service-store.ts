/**
 * What `sync serve` (the HTTP API, issue 14) keeps in the state store besides the engine's own tables
 * (migration 007): stored pipelines with sealed configs, the run queue and cancels, each run's events
 * with LISTEN/NOTIFY, the audit log, Stripe webhook deliveries. Obtained from an open store with
 * `StateStore.service()`, sharing its connections, schema and secret key; the engine never uses it.
 * The work is in one file per concept, named next to each method.
 */
import type pg from 'pg';
import { listAudit, recordAudit } from './audit-log.ts';
import { deletePipeline } from './delete-pipeline.ts';
import { listen, type Listener } from './notifications.ts';
import { createPipeline, getPipeline, listPipelines, updatePipeline, type ConnectorConfig, type PipelinePatch } from './pipeline-configs.ts';
import { appendRunEvents, listRunEvents } from './run-events.ts';
import { enqueueRun, getServiceRun, listServiceRuns, requestCancel } from './run-queue.ts';
import { findDeadRuns, lastRunEventSeq, overdueSchedules, requeueRun, setNextRunAt, setPipelineOperations, setRecordsRead, setRunError, type OperationsPatch } from './run-recovery.ts';
import type { SecretKeySource } from './secret-key.ts';
import type { AuditEntry, PipelineStream, RunEventRecord, RunKind, RunRequest, RunTrigger, ServiceRunRecord, StoredPipeline, WebhookDelivery } from './service-records.ts';
import { markWebhookDeliveriesApplied, pendingWebhookDeliveries, saveWebhookDelivery } from './webhook-deliveries.ts';

/** What a `ServiceStore` shares with the `StateStore` it comes from. */
export interface ServiceStoreContext {
  pool: pg.Pool;
  schema: string;
  /** The database as messages name it (`host:port/db`). */
  where: string;
  /** The store's connection settings, for the connection `listen` opens. */
  clientConfig: pg.ClientConfig;
  secretKeys: SecretKeySource | undefined;
  onConnectionError: (error: Error) => void;
}

/** The state store's part for `sync serve`. Every method throws Error from Postgres besides what it names. */
export class ServiceStore {
  readonly #c: ServiceStoreContext;

  /** Use `StateStore.service()`. */
  constructor(context: ServiceStoreContext) {
    this.#c = context;
  }

  /**
   * Stores a new pipeline, its configs sealed whole (pipeline-configs.ts).
   * @throws ConflictError when the id is taken; SecretKeyError when the store has no key source.
   */
  async createPipeline(pipeline: { id: string; source: ConnectorConfig; destination: ConnectorConfig; streams?: PipelineStream[] | undefined }): Promise<StoredPipeline> {
    return createPipeline(this.#c.pool, this.#c.schema, this.#c.secretKeys, pipeline);
  }

  /** One pipeline, configs opened (`{}` and `configStored` false for one `sync run` made), or undefined. @throws SecretKeyError */
  async getPipeline(id: string): Promise<StoredPipeline | undefined> {
    return getPipeline(this.#c.pool, this.#c.schema, this.#c.secretKeys, id);
  }

  /** Every pipeline, ordered by id, configs opened. @throws SecretKeyError */
  async listPipelines(): Promise<StoredPipeline[]> {
    return listPipelines(this.#c.pool, this.#c.schema, this.#c.secretKeys);
  }

  /**
   * Replaces the parts `patch` gives (names, whole configs, the stream selection; `streams: null` =
   * every stream); the caller merges masked values. Undefined when there is no such pipeline.
   * @throws SecretKeyError
   */
  async updatePipeline(id: string, patch: PipelinePatch): Promise<StoredPipeline | undefined> {
    return updatePipeline(this.#c.pool, this.#c.schema, this.#c.secretKeys, id, patch);
  }

  /**
   * Deletes a pipeline and all the store keeps for it, in one transaction (delete-pipeline.ts).
   * @returns false when there is no such pipeline.
   * @throws ConflictError naming the run when one is queued or running.
   */
  async deletePipeline(id: string): Promise<boolean> {
    return deletePipeline(this.#c.pool, this.#c.schema, this.#c.where, id);
  }

  /**
   * Queues a run (`queued`); a worker takes it over with `StateStore.startRun(pipelineId, { runId })`
   * (run-queue.ts).
   * @throws ConflictError naming the run when `kind` is `sync` and a sync of the pipeline is queued or running.
   */
  async enqueueRun(
    pipelineId: string,
    kind: RunKind,
    request: RunRequest,
    origin: { trigger?: RunTrigger; attempt?: number; previousRunId?: string } = {},
  ): Promise<ServiceRunRecord> {
    return enqueueRun(this.#c.pool, this.#c.schema, pipelineId, kind, request, origin);
  }

  /** One run with its queue fields, or undefined. */
  async getServiceRun(id: string): Promise<ServiceRunRecord | undefined> {
    return getServiceRun(this.#c.pool, this.#c.schema, id);
  }

  /** Runs newest first (by `createdAt`); `limit` defaults to 50. */
  async listServiceRuns(options: { pipelineId?: string | undefined; limit?: number | undefined } = {}): Promise<ServiceRunRecord[]> {
    return listServiceRuns(this.#c.pool, this.#c.schema, options);
  }

  /**
   * Cancels a queued run at once, or asks a running one to stop (`cancelRequestedAt`, a notification
   * on `RUN_CANCEL_CHANNEL`); a finished run is unchanged (run-queue.ts).
   * @returns the run after the change, or undefined when there is none with that id.
   */
  async requestCancel(runId: string): Promise<ServiceRunRecord | undefined> {
    return requestCancel(this.#c.pool, this.#c.schema, this.#c.where, runId);
  }

  /**
   * Stores a batch of a run's events in one statement and notifies `RUN_EVENTS_CHANNEL` (run-events.ts).
   * @throws Error when the run does not exist or a number is stored already.
   */
  async appendRunEvents(runId: string, events: readonly { seq: number; event: Record<string, unknown> }[]): Promise<void> {
    await appendRunEvents(this.#c.pool, this.#c.schema, runId, events);
  }

  /** A run's events numbered above `after` (default 0), in order, at most `limit` (default 1000). */
  async listRunEvents(runId: string, options: { after?: number | undefined; limit?: number | undefined } = {}): Promise<RunEventRecord[]> {
    return listRunEvents(this.#c.pool, this.#c.schema, runId, options);
  }

  /**
   * Listens on Postgres notification channels (`RUN_EVENTS_CHANNEL`, `RUN_CANCEL_CHANNEL`) on a
   * connection of its own; a failure of that connection goes to the store's `onConnectionError`, and
   * it is not reopened (notifications.ts).
   * @throws Error when it cannot connect or listen.
   */
  async listen(channels: readonly string[], onNotify: (channel: string, payload: string) => void): Promise<Listener> {
    return listen(this.#c.clientConfig, this.#c.where, channels, onNotify, this.#c.onConnectionError);
  }

  /** Adds an audit entry (who, what, which target, details without secrets); returns it with its id and time. */
  async recordAudit(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<AuditEntry> {
    return recordAudit(this.#c.pool, this.#c.schema, entry);
  }

  /** Audit entries newest first, at most `limit` (default 100), older than `beforeId` when given. */
  async listAudit(options: { limit?: number | undefined; beforeId?: number | undefined } = {}): Promise<AuditEntry[]> {
    return listAudit(this.#c.pool, this.#c.schema, options);
  }

  /**
   * Keeps a verified Stripe event for the pipeline; `duplicate` when its id was kept already
   * (webhook-deliveries.ts).
   * @throws Error when the event has no string `id` and `type`, or the pipeline does not exist.
   */
  async saveWebhookDelivery(pipelineId: string, event: Record<string, unknown>): Promise<{ delivery: WebhookDelivery; duplicate: boolean }> {
    return saveWebhookDelivery(this.#c.pool, this.#c.schema, pipelineId, event);
  }

  /** The pipeline's deliveries not applied yet, oldest first, at most `limit`. */
  async pendingWebhookDeliveries(pipelineId: string, limit: number): Promise<WebhookDelivery[]> {
    return pendingWebhookDeliveries(this.#c.pool, this.#c.schema, pipelineId, limit);
  }

  /** Marks deliveries applied by `runId`; returns how many were not applied before. */
  async markWebhookDeliveriesApplied(ids: readonly number[], runId: string): Promise<number> {
    return markWebhookDeliveriesApplied(this.#c.pool, this.#c.schema, ids, runId);
  }
  /** `running` runs whose pipeline lock nobody holds: their worker died (run-recovery.ts). */
  async findDeadRuns(): Promise<{ id: string; pipelineId: string }[]> {
    return findDeadRuns(this.#c.pool, this.#c.schema);
  }

  /**
   * Queues a run again for another worker: a dead one (`running`, its lock free; checked in the same
   * statement) or one its worker released (`failed` on a SIGTERM). Undefined when it was not so.
   */
  async requeueRun(runId: string, from: 'dead' | 'released'): Promise<ServiceRunRecord | undefined> {
    return requeueRun(this.#c.pool, this.#c.schema, runId, from);
  }

  /** The highest event number of the run (0: none). */
  async lastRunEventSeq(runId: string): Promise<number> {
    return lastRunEventSeq(this.#c.pool, this.#c.schema, runId);
  }

  /** Records the records read so far per stream of a running run (progress between checkpoints). */
  async setRecordsRead(runId: string, totals: Record<string, number>): Promise<void> {
    await setRecordsRead(this.#c.pool, this.#c.schema, runId, totals);
  }

  /** Replaces a finished run's error text. */
  async setRunError(runId: string, error: string): Promise<void> {
    await setRunError(this.#c.pool, this.#c.schema, runId, error);
  }

  /** Sets the pipeline's schedule and limits; false when there is no such pipeline. */
  async setPipelineOperations(pipelineId: string, patch: OperationsPatch): Promise<boolean> {
    return setPipelineOperations(this.#c.pool, this.#c.schema, pipelineId, patch);
  }

  /** Pipelines whose scheduled tick is more than `graceMs` overdue (run-recovery.ts). */
  async overdueSchedules(graceMs: number): Promise<string[]> {
    return overdueSchedules(this.#c.pool, this.#c.schema, graceMs);
  }

  /** Records when the next scheduled run is due. */
  async setNextRunAt(pipelineId: string, at: Date | null): Promise<void> {
    await setNextRunAt(this.#c.pool, this.#c.schema, pipelineId, at);
  }
}
