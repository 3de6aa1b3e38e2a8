/**
 * The config of the faker source: how many records, how big, how many streams, which seed.
 */
import * as z from 'zod';

export const FakerSourceConfig = z.object({
  count: z.number().int().nonnegative().default(1000).describe('Records emitted per stream.'),
  record_bytes: z
    .number()
    .int()
    .min(200)
    .default(1024)
    .describe('Approximate size of one record as JSON, in bytes (padded with a `description`).'),
  streams: z
    .number()
    .int()
    .min(1)
    .default(1)
    .describe('Number of streams: `customers`, `customers_2`, `customers_3`, …'),
  seed: z.union([z.number(), z.string()]).default(0).describe('Seed: the same seed gives the same records.'),
  state_every: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('A STATE checkpoint is emitted after every `state_every` records of a stream, and at its end.'),
});
export type FakerSourceConfig = z.infer<typeof FakerSourceConfig>;
