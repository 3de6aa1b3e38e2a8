export * from './messages.ts';
export * from './catalog.ts';
export * from './errors.ts';
export * from './ndjson.ts';
export * from './builders.ts';
export * from './state.ts';
export * from './connector.ts';
export { main, runConnector, specOf, type HarnessIo } from './harness.ts';
export { RecordCounts, acknowledge } from './destination-stats.ts';
