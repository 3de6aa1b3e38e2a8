/**
 * Token buckets in Postgres (migration 009), one row per account, shared by every process that talks
 * to that account: a request first takes a token from its account's row. The bucket refills at
 * `rate` tokens a second up to `burst`; a take that finds less than one token gets none and learns
 * how long until there is one, so the caller sleeps that long and takes again. One statement per take
 * (an upsert that locks the row), with Postgres' clock, so no two takes can spend the same token and
 * the processes' own clocks do not matter: over any interval between two takes, the tokens granted
 * stay at most `burst + rate × seconds`. Algorithm: https://en.wikipedia.org/wiki/Token_bucket.
 */
import type pg from 'pg';
import { assertSchemaName } from './migrate.ts';

/** The size of a bucket and its refill rate. */
export interface RateLimit {
  /** Tokens added per second (a positive, finite number). */
  rate: number;
  /** Most tokens the bucket holds: the largest burst of requests (at least 1). */
  burst: number;
}

/** What one take did. */
export interface RateTake {
  /** Whether a token was taken: the request may go. */
  granted: boolean;
  /** Tokens left in the bucket after the take (below 1 when refused). */
  tokens: number;
  /** When refused: ms until the bucket holds a token (at least 1); 0 when granted. */
  waitMs: number;
  /**
   * The bucket's time of this take, seconds since the epoch on Postgres' clock with its microseconds
   * (never earlier than the take before it).
   */
  at: number;
}

/**
 * Takes one token from `account`'s bucket (made full on its first take), refilling it first by the
 * time since its last take × `limit.rate`, capped at `limit.burst`. Every caller of one account should
 * pass the same limit: a take uses its own, and records it in the row.
 *
 * @throws RangeError when `rate` is not a positive finite number or `burst` is below 1.
 * @throws Error from Postgres (the store's schema missing or not migrated to 009).
 */
export async function takeRateToken(db: Pick<pg.Pool, 'query'>, schema: string, account: string, limit: RateLimit): Promise<RateTake> {
  assertSchemaName(schema);
  if (!(limit.rate > 0) || !Number.isFinite(limit.rate)) throw new RangeError(`rate limit of ${account}: rate must be a positive number of requests per second, not ${limit.rate}`);
  if (!(limit.burst >= 1) || !Number.isFinite(limit.burst)) throw new RangeError(`rate limit of ${account}: burst must be at least 1 request, not ${limit.burst}`);
  // `excluded.updated_at` is this statement's clock reading, taken before it waited for the row's
  // lock: a take that waited behind a later reading gets no refill for the overlap (greatest(0, …))
  // and keeps the later time, so the bucket's time never goes back and never credits a token twice.
  const available = `least(excluded.burst, b.tokens + greatest(0, extract(epoch FROM excluded.updated_at - b.updated_at)::float8) * excluded.rate)`;
  const { rows } = await db.query<{ tokens: number; at: number; granted: boolean }>(
    `INSERT INTO ${schema}.rate_buckets AS b (account, tokens, updated_at, rate, burst, last_granted, granted)
     VALUES ($1, $3::float8 - 1, clock_timestamp(), $2, $3, true, 1)
     ON CONFLICT (account) DO UPDATE SET
       tokens = CASE WHEN ${available} >= 1 THEN ${available} - 1 ELSE ${available} END,
       updated_at = greatest(b.updated_at, excluded.updated_at),
       rate = excluded.rate,
       burst = excluded.burst,
       last_granted = ${available} >= 1,
       granted = b.granted + CASE WHEN ${available} >= 1 THEN 1 ELSE 0 END
     RETURNING tokens, extract(epoch FROM updated_at)::float8 AS at, last_granted AS granted`,
    [account, limit.rate, limit.burst],
  );
  const row = rows[0]!;
  const waitMs = row.granted ? 0 : Math.max(1, Math.ceil(((1 - row.tokens) / limit.rate) * 1000));
  return { granted: row.granted, tokens: row.tokens, waitMs, at: row.at };
}
