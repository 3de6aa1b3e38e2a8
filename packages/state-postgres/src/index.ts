/**
 * @sync/state-postgres: the engine's state store in Postgres (pipelines, runs, acknowledged
 * states, checkpoints) and its migrations.
 */
export { StateStore, type StateStoreOptions } from './state-store.ts';
export { INTERRUPTED_RUN_ERROR, runLockKey } from './run-locks.ts';
export type { CheckpointRecord, RunRecord, RunStatus } from './records.ts';
export { DEFAULT_SCHEMA, migrate } from './migrate.ts';
export { SecretKeyError, SecretKeyring, generateSecretKey, keyId, parseSecretKey } from './secret-box.ts';
export { secretKeySource, type SecretKeySource } from './secret-key.ts';
export type { ResealResult } from './sealed-config-updates.ts';
