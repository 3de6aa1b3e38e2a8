/**
 * How long the engine waits on a connector before it gives up on it. Every wait of a run is bounded:
 * the one-shot commands by `commandMs`, a read by the idle timers (time without a message while the
 * engine waits on that side, not the run's length, so a long backfill never times out while it moves).
 * Also how long a kept catalog stands in for a discover (catalog-cache.ts). A leaf module: it imports
 * nothing, so the CLI's help can show these defaults without loading the engine (lite.ts).
 */

/** Default longest a `spec`, `check` or `discover` may run, in ms: 2 minutes. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 2 * 60_000;

/** How long a kept catalog is reused, in ms, unless the run says otherwise: 24 hours (catalog-cache.ts). */
export const DEFAULT_CATALOG_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** Timeouts of a run, in ms; 0 means no limit. `sync run --command-timeout`, `--source-idle-timeout`, `--destination-idle-timeout`. */
export interface RunTimeouts {
  /** Longest a `spec`, `check` or `discover` may run; default 2 minutes. */
  commandMs: number;
  /**
   * Longest the source may send nothing (no message of any type: RECORD, STATE, LOG, TRACE…) while
   * the engine waits for its output, or take to exit once its output ended; default 10 minutes.
   */
  sourceIdleMs: number;
  /**
   * Longest the destination may neither read its input nor send a message while the engine waits on
   * it (its stdin is full, or closed and the engine waits for it to finish); default 30 minutes.
   */
  destinationIdleMs: number;
}

export const DEFAULT_TIMEOUTS: Readonly<RunTimeouts> = {
  commandMs: DEFAULT_COMMAND_TIMEOUT_MS,
  sourceIdleMs: 10 * 60_000,
  destinationIdleMs: 30 * 60_000,
};

/**
 * After a run is interrupted (its abort signal), how long the destination gets to read the engine's
 * TRACE ERROR and exit before it is killed, in ms.
 */
export const ABORT_GRACE_MS = 10_000;
