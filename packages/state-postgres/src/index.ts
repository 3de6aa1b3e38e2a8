/**
 * @sync/state-postgres: the engine's state store in Postgres (pipelines, runs, acknowledged
 * states, checkpoints), what `sync serve` keeps there (`ServiceStore`), and its migrations.
 */
export { StateStore, type StateStoreOptions } from './state-store.ts';
export { INTERRUPTED_RUN_ERROR, runLockKey } from './run-locks.ts';
export type { CheckpointRecord, RunRecord, RunStatus } from './records.ts';
export { DEFAULT_SCHEMA, migrate } from './migrate.ts';
export { SecretKeyError, SecretKeyring, generateSecretKey, keyId, parseSecretKey } from './secret-box.ts';
export { secretKeySource, type SecretKeySource } from './secret-key.ts';
export type { ResealResult } from './reseal-secrets.ts';
export { ServiceStore } from './service-store.ts';
export type { ConnectorConfig, PipelinePatch } from './pipeline-configs.ts';
export type { Listener } from './notifications.ts';
export { RUN_CANCEL_CHANNEL } from './run-queue.ts';
export { RUN_EVENTS_CHANNEL } from './run-events.ts';
export { ConflictError } from './conflict-error.ts';
export { RunNotQueuedError } from './start-run.ts';
export { takeRateToken, type RateLimit, type RateTake } from './rate-buckets.ts';
export type { AuditEntry, PipelineOperations, PipelineSchedule, PipelineStream, RunEventRecord, RunKind, RunRequest, RunTrigger, ServiceRunRecord, StoredPipeline, WebhookDelivery } from './service-records.ts';
export type { OperationsPatch } from './run-recovery.ts';
