export { resolveConnector, type BuiltinConnector, type BuiltinConnectors, type ConnectorCommand, type ConnectorRole } from './connector-command.ts';
export {
  spawnConnector,
  describeExit,
  isNonProtocolLine,
  type ConnectorProcess,
  type ConnectorLine,
  type ConnectorExit,
  type SpawnOptions,
  type StdoutLine,
} from './connector-process.ts';
export { callConnector, discoverCatalog, ConnectorFailure, type CallOptions } from './call-connector.ts';
export { createPrivateDir, removeStaleDirs, type PrivateDir } from './private-dir.ts';
export { runSync, type SyncOptions } from './run-sync.ts';
export { configureStreams, type CatalogChoices, type ConfiguredStreams, type StreamConfig } from './stream-configs.ts';
export type { SourceInput } from './source-input.ts';
export { DEFAULT_CATALOG_MAX_AGE_MS, DEFAULT_TIMEOUTS, type RunTimeouts } from './timeouts.ts';
export { formatDuration, parseDuration } from './duration.ts';
export { errorMessage } from './errors.ts';
export type { StreamResult, SyncEvent, SyncFailure, SyncResult } from './events.ts';
export type { ConfigUpdateRecord, RunOutcome, RunStore, RunStreamStats, SourceCatalogRecord } from './run-store.ts';
export { CheckpointLedger, type Acknowledgement } from './checkpoint-ledger.ts';
export { stateFileContent } from './state-file.ts';
export { changedKeys } from './config-updates.ts';
export { RunSecrets, cachedConnectionSpecification, connectionSpecification, type SecretSource } from './secrets.ts';
export { REDACTED, createRedactor, maskUrlPasswords, redactDeep, type Redact } from './redactor.ts';
export { secretValues, stringValues, urlSecrets } from './secret-values.ts';
export { connectorEnvironment, ALLOWED_ENV } from './connector-env.ts';
