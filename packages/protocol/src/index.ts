export * from './messages.ts';
export * from './catalog.ts';
export * from './protocol-error.ts';
export * from './ndjson.ts';
export * from './canonical-json.ts';
export * from './deletes.ts';
export * from './checkpoint-missing.ts';
export * from './record-line.ts';
