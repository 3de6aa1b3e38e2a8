/**
 * A full garbage collection after every `RECORDS_PER_COLLECTION` records committed, when Node exposes
 * `gc` (started with `--expose-gc`, as the engine starts this destination: apps/cli/src/builtins.ts);
 * else nothing.
 *
 * Why (issue 13): the destination holds little (its buffers are bounded), but with a small young
 * generation some records' objects outlive two scavenges and are promoted, and V8 lets the old
 * generation grow to several times what is live before it collects it: 1,000,000 records peaked at
 * about 116 MiB, most of it garbage (269 MB for the whole run's process tree). A collection at a commit,
 * with about 10 MB live, takes a few ms: once per 25,000 records (40 for a million) the CPU did not
 * measurably change, and the destination peaked at 86-87 MiB, the tree at 231-232 MiB (243 MB),
 * against 99 MiB and 254 MB collecting once per 100,000. V8's own tighter heap limits
 * (`--optimize-for-size`, `--heap-growing-percent=10`) cost 12-28% more CPU for less.
 */

/** Records committed between two collections. */
export const RECORDS_PER_COLLECTION = 25_000;

export class PeriodicGc {
  readonly #gc: (() => void) | undefined;
  #since = 0;

  constructor(gc: unknown = (globalThis as { gc?: unknown }).gc) {
    this.#gc = typeof gc === 'function' ? (gc as () => void) : undefined;
  }

  /** Counts `records` just committed; collects once `RECORDS_PER_COLLECTION` have been since the last time. */
  committed(records: number): void {
    if (!this.#gc) return;
    this.#since += records;
    if (this.#since < RECORDS_PER_COLLECTION) return;
    this.#since = 0;
    this.#gc();
  }
}
