/**
 * The config of the Postgres destination: where to write (`url`, `schema`) and how much to buffer.
 */
import { z } from 'zod';

/** Default records buffered in memory before they are copied into staging: a memory bound. */
export const DEFAULT_BATCH_SIZE = 10_000;

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
      'Records held in memory before they are copied into the staging tables. A memory bound only: records are committed when a STATE arrives, whatever the batch size.',
    ),
  hard_delete: z
    .boolean()
    .default(false)
    .describe(
      'Delete rows of deleted records (data with "deleted": true or a non-null _ab_cdc_deleted_at). Default false: keep them, flagged with _deleted = true.',
    ),
});
export type PostgresDestinationConfig = z.infer<typeof PostgresDestinationConfig>;
