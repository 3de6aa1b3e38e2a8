export { postgresDestination } from './destination.ts';
export { PostgresDestinationConfig, DEFAULT_BATCH_SIZE } from './config.ts';
export { checkPostgres } from './check.ts';
export { writeToPostgres } from './write.ts';
export { planTables, createTableSql, type StreamTable, type KeyColumn } from './tables.ts';
