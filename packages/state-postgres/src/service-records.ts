/**
 * What the state store keeps for `sync serve` (the HTTP API, docs/api.md) besides the engine's own
 * tables: stored pipelines with sealed configs, queued runs, each run's events, the audit log and
 * Stripe webhook deliveries (migration 007). camelCase here, snake_case in the tables.
 */
import type { RunRecord } from './records.ts';

/** How one stream of a stored pipeline is synced (`sync run` defaults for what is left out). */
export interface PipelineStream {
  name: string;
  syncMode?: 'full_refresh' | 'incremental';
  destinationSyncMode?: 'append' | 'append_dedup' | 'overwrite';
  cursorField?: string[];
  /** Top-level fields to keep (field selection); every field when absent. */
  fields?: string[];
}

/** When a pipeline runs by itself: a cron expression (5 fields, or 6 with seconds) in a time zone, plus jitter. */
export interface PipelineSchedule {
  cron: string;
  /** IANA time zone, e.g. `Europe/Paris`; default `UTC`. */
  timezone: string;
  /** Each scheduled run starts up to this many seconds late, at random (spreads many pipelines out). */
  jitterSeconds: number;
}

/** How a stored pipeline runs unattended (migration 008). */
export interface PipelineOperations {
  schedule?: PipelineSchedule;
  /** When the next scheduled run is due. */
  nextRunAt?: Date;
  /** Attempts of a run failing with a transient or system error; 1 = no retry. Default 3. */
  maxAttempts: number;
  /** A run past this stops at its last checkpoint and a new run continues it. */
  maxDurationSeconds?: number;
}

/** A pipeline stored through the API: connector names and configs (plaintext in memory, sealed at rest). */
export interface StoredPipeline {
  id: string;
  source: { name: string; config: Record<string, unknown> };
  destination: { name: string; config: Record<string, unknown> };
  /** Absent: every stream the source discovers. */
  streams?: PipelineStream[];
  /**
   * False for a pipeline `sync run` created (or one whose source or destination config was never
   * stored): its configs are then `{}` for what is missing, and it cannot run through the API.
   */
  configStored: boolean;
  createdAt: Date;
  updatedAt: Date;
  operations: PipelineOperations;
}

/** What starts a run through the API. */
export interface RunRequest {
  fullRefresh?: boolean;
  streams?: string[];
}

/** `sync`: a run asked for (API or CLI); `webhook`: Stripe webhook deliveries applied. */
export type RunKind = 'sync' | 'webhook';

/** What queued a run (migration 008). */
export type RunTrigger = 'manual' | 'schedule' | 'retry' | 'continuation' | 'webhook';

/** A run as the API shows it: the engine's record plus the queue's fields. */
export interface ServiceRunRecord extends RunRecord {
  kind: RunKind;
  /** 1, or n + 1 for the retry of attempt n. */
  attempt: number;
  trigger: RunTrigger;
  /** The run this one retries or continues. */
  previousRunId?: string;
  /** Times the run went back to the queue because its worker died or stopped mid-run. */
  takeovers: number;
  /** When it was queued (= startedAt for runs that never queued, such as `sync run`'s). */
  createdAt: Date;
  request: RunRequest;
  /** Set by a cancel; the worker running it stops the connectors. */
  cancelRequestedAt?: Date;
}

/** One event of a run, numbered from 1 in the order the engine emitted it. */
export interface RunEventRecord {
  seq: number;
  at: Date;
  /** The engine's `SyncEvent` (already masked), or `{type: 'run_finished', …}` last. */
  event: Record<string, unknown>;
}

/** One change made through the API. */
export interface AuditEntry {
  id: number;
  at: Date;
  /** Who: the token's label, never the token (`token:` + the first 12 hex digits of its sha256). */
  actor: string;
  /** `pipeline.created`, `pipeline.updated`, `pipeline.deleted`, `run.started`, `run.cancelled`, `state.reset`. */
  action: string;
  targetType: 'pipeline' | 'run';
  targetId: string;
  /** What changed (never a secret: configs appear with secrets masked). */
  details: Record<string, unknown>;
}

/** A Stripe event received on the webhook route, verified, waiting to be applied in order. */
export interface WebhookDelivery {
  id: number;
  pipelineId: string;
  eventId: string;
  eventType: string;
  /** The event object (`{"id":"evt_…","object":"event",…}`). */
  event: Record<string, unknown>;
  receivedAt: Date;
  appliedAt?: Date;
  /** The run (of kind `webhook`) that applied it. */
  runId?: string;
}
