/**
 * The Postgres destination as a protocol `Destination`: run it with `main()` from `@sync/connector-kit`.
 */
import type { Destination } from '@sync/connector-kit';
import { checkPostgres } from './check.ts';
import { PostgresDestinationConfig } from './config.ts';
import { writeToPostgres } from './write.ts';

/**
 * Writes each configured stream to a table `<schema>.<stream>` (key columns, typed columns, `_raw_data
 * jsonb`, `_synced_at`, `_deleted`) in append, append_dedup or overwrite mode, and acknowledges each
 * STATE once the records before it are committed. See write.ts for the rules.
 */
export const postgresDestination: Destination<PostgresDestinationConfig> = {
  name: 'destination-postgres',
  configSchema: PostgresDestinationConfig,
  supportedSyncModes: ['append', 'append_dedup', 'overwrite'],
  check: checkPostgres,
  write: writeToPostgres,
};
