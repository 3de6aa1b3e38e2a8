/**
 * The config of the Postgres destination: where to write (`url`, `schema`), how much to buffer, how
 * deletes are applied, and how long to wait for the database.
 */
import * as z from 'zod';

/** Default records buffered in memory before they are copied into staging: a memory bound. */
export const DEFAULT_BATCH_SIZE = 10_000;

/**
 * Default longest wait of an acknowledged-to-be STATE for its commit, in milliseconds: STATEs received
 * within it are committed together (group commit; write.ts).
 */
export const DEFAULT_COMMIT_INTERVAL_MS = 250;

/** Default wait for another writer of the same schema to finish, in milliseconds: 10 minutes. */
export const DEFAULT_LOCK_TIMEOUT_MS = 10 * 60_000;

/** Default longest statement, in milliseconds: 15 minutes. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15 * 60_000;

/** Default wait for the server to accept a connection, in milliseconds: 10 seconds. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

export const PostgresDestinationConfig = z.object({
  url: z
    .string()
    .min(1)
    .describe('Postgres connection string, e.g. postgres://user:password@host:5432/database.')
    .meta({ airbyte_secret: true }),
  schema: z
    .string()
    .default('stripe')
    .describe('Schema that receives one table per stream; created if missing. A plain identifier ([A-Za-z_][A-Za-z0-9_]*).'),
  batch_size: z
    .number()
    .int()
    .positive()
    .default(DEFAULT_BATCH_SIZE)
    .describe(
      'Records held in memory before they are written to the open COPY (a memory bound), and the records after which the STATEs received since the last commit are committed at once, without waiting for commit_interval_ms.',
    ),
  commit_interval_ms: z
    .number()
    .int()
    .nonnegative()
    .default(DEFAULT_COMMIT_INTERVAL_MS)
    .describe(
      'Group commit: the STATEs received since the last commit are committed together, in one transaction, once the oldest of them has waited this many milliseconds (even while the source sends nothing), once batch_size records arrived since the last commit, or at the end of input; each is then acknowledged, in order. 0 commits at every STATE. Default 250.',
    ),
  hard_delete: z
    .boolean()
    .default(false)
    .describe(
      'Delete rows of deleted records (data with "_deleted": true, "deleted": true or a non-null _ab_cdc_deleted_at). Default false: keep them, flagged with _deleted = true. Appended streams always keep a row per version.',
    ),
  lock_timeout_ms: z
    .number()
    .int()
    .nonnegative()
    .default(DEFAULT_LOCK_TIMEOUT_MS)
    .describe(
      'Milliseconds to wait for another writer of the same schema to finish (writers of one schema take turns, holding a Postgres advisory lock for their whole write) before failing with a transient_error. 0 waits without limit. Default 600000 (10 minutes).',
    ),
  statement_timeout_ms: z
    .number()
    .int()
    .nonnegative()
    .default(DEFAULT_STATEMENT_TIMEOUT_MS)
    .describe(
      'Longest a single statement (a COPY, a merge, the overwrite swap) may run, in milliseconds (Postgres statement_timeout); past it the write fails with a transient_error and commits nothing after the last acknowledged STATE. 0 means no limit. Default 900000 (15 minutes).',
    ),
  connect_timeout_ms: z
    .number()
    .int()
    .positive()
    .default(DEFAULT_CONNECT_TIMEOUT_MS)
    .describe('Milliseconds to wait for the server to accept a connection. Default 10000.'),
});
export type PostgresDestinationConfig = z.infer<typeof PostgresDestinationConfig>;
