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
}

/** What starts a run through the API. */
export interface RunRequest {
  fullRefresh?: boolean;
  streams?: string[];
}

/** `sync`: a run asked for (API or CLI); `webhook`: Stripe webhook deliveries applied. */
export type RunKind = 'sync' | 'webhook';

/** A run as the API shows it: the engine's record plus the queue's fields. */
export interface ServiceRunRecord extends RunRecord {
  kind: RunKind;
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
