/**
 * Batch stamps: the `_synced_at` of a batch's rows and the `committed_at` of its checkpoint
 * (staging.ts, checkpoints.ts). Several batches commit in one transaction (group commit), so the
 * transaction's `now()` alone cannot tell their rows apart: each batch gets `now()` of the
 * transaction it is stamped in, or one microsecond past the previous stamp of the write when that is
 * later, so that stamps strictly increase within a write. A stamp is thus never before its
 * transaction started and at most one microsecond per batch after it.
 */

/** Stamps of one write, in microseconds since the epoch. */
export class Stamps {
  #now = 0n;
  #exact = false;
  #last = -1n;

  /**
   * Sets the current transaction's `now()`: a row of `NOW_MICROSECONDS_SQL` (microseconds since the
   * epoch as decimal text, and whether that is `now()` to the microsecond).
   */
  begin(now: { us: string; exact: boolean }): void {
    this.#now = BigInt(now.us);
    this.#exact = now.exact;
  }

  /** True when `stamp` is the transaction's `now()` exactly: rows may then take the column's default. */
  isNow(stamp: bigint): boolean {
    return this.#exact && stamp === this.#now;
  }

  /** A new stamp, later than every stamp before it; call `begin` for the open transaction first. */
  next(): bigint {
    this.#last = this.#now > this.#last ? this.#now : this.#last + 1n;
    return this.#last;
  }
}

/**
 * SQL giving the transaction's `now()` in microseconds since the epoch, as `us` (text), and `exact`:
 * whether it is `now()` to the microsecond (extract is exact from PostgreSQL 14 on, a double before).
 */
export const NOW_MICROSECONDS_SQL =
  "select us::text, 'epoch'::timestamptz + us * interval '1 microsecond' = now() as exact from (select (extract(epoch from now()) * 1000000)::bigint as us) t";

/** `us` (microseconds since the epoch) as timestamptz text: `2024-05-01T12:00:00.123456Z`. */
export function stampText(us: bigint): string {
  const iso = new Date(Number(us / 1000n)).toISOString();
  return `${iso.slice(0, -1)}${(us % 1000n).toString().padStart(3, '0')}Z`;
}

/** `us` (microseconds since the epoch) as an SQL timestamptz literal. */
export function stampLiteral(us: bigint): string {
  return `'${stampText(us)}'::timestamptz`;
}
