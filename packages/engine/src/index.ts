export { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.ts';
export { resolveConnector, type BuiltinConnectors, type ConnectorCommand, type ConnectorKind } from './connector-command.ts';
export { spawnConnector, describeExit, type ConnectorProcess, type ConnectorLine, type ConnectorExit } from './connector-process.ts';
export { callConnector, discoverCatalog, ConnectorFailure } from './call-connector.ts';
export { createPrivateDir, type PrivateDir } from './private-dir.ts';
export { runSync, type SyncOptions } from './run-sync.ts';
export type { ConnectorRole, RunStore, StreamResult, SyncEvent, SyncFailure, SyncResult } from './events.ts';
