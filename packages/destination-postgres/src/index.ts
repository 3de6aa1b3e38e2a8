export { postgresDestination } from './destination.ts';
export { PostgresDestinationConfig, DEFAULT_BATCH_SIZE } from './config.ts';
export { checkPostgres } from './check.ts';
export { writeToPostgres } from './write.ts';
export { planTables, createTableSql, type StreamTable, type KeyColumn, type WriteMode } from './tables.ts';
export { columnTypeOf, castSql, widen, type ColumnType, type TypedColumn } from './columns.ts';
export { mergeStatements } from './merge.ts';
