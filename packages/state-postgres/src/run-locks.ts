/**
 * One run at a time per pipeline: each run holds a session-level Postgres advisory lock, keyed by the
 * store's schema and the pipeline id, on a connection of its own until it finishes. A process that
 * dies loses its connections and so its locks; nothing needs cleaning up by hand.
 *
 * A run that lost its lock (the connection died: a server restart, a network cut, an administrator's
 * `pg_terminate_backend`) must not commit another checkpoint: a new run of the pipeline may already be
 * running. `assertHeld` is checked inside every commit's transaction.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

/** The error of a run whose process ended before it finished the run (see `RunLocks.acquire`). */
export const INTERRUPTED_RUN_ERROR = 'interrupted: the process running it ended before the run finished; the next run resumed from its last checkpoint';

/** Longest `releaseAll` waits for the server to unlock a pipeline before dropping the connection, in ms. */
const UNLOCK_WAIT_MS = 2_000;

/**
 * The advisory lock key of a pipeline's runs: the first 8 bytes of sha256(`<schema>.runs/<pipelineId>`)
 * as a signed 64-bit integer (Postgres `bigint`), so two pipelines share a lock only by a 2^-64 chance
 * (a 32-bit `hashtext` collides at a few tens of thousands of pipelines).
 */
export function runLockKey(schema: string, pipelineId: string): bigint {
  return createHash('sha256').update(`${schema}.runs/${pipelineId}`).digest().readBigInt64BE(0);
}

/**
 * How `pg_locks` shows a bigint advisory lock: the high 32 bits in `classid`, the low 32 bits in
 * `objid` (both unsigned), `objsubid` 1 (PostgreSQL manual, "pg_locks": advisory locks).
 */
function lockRow(key: bigint): { classid: string; objid: string } {
  const unsigned = BigInt.asUintN(64, key);
  return { classid: String(unsigned >> 32n), objid: String(unsigned & 0xffffffffn) };
}

/**
 * Marks the pipeline's runs still `running` (all, or only `runId`) as interrupted: `failed` (or
 * `cancelled` when a cancel was asked for, as `finishRun` would record it) with
 * `INTERRUPTED_RUN_ERROR`, finished at their last checkpoint (or their start). Only for runs no process
 * holds: the caller holds the pipeline's lock, or saw that nobody does (`isLockHeld`). Queued runs are
 * never touched: they wait for a worker.
 *
 * @returns the number of runs marked.
 */
export async function markInterrupted(client: pg.Pool | pg.ClientBase, schema: string, pipelineId: string, runId?: string): Promise<number> {
  const { rowCount } = await client.query(
    // When it ended is unknown: its last checkpoint is the last sign of life.
    `UPDATE ${schema}.runs r SET status = CASE WHEN cancel_requested_at IS NULL THEN 'failed' ELSE 'cancelled' END, error = $2,
       finished_at = coalesce((SELECT max(c.committed_at) FROM ${schema}.checkpoints c WHERE c.run_id = r.id), r.started_at)
     WHERE pipeline_id = $1 AND status = 'running' ${runId === undefined ? '' : 'AND id = $3'}`,
    runId === undefined ? [pipelineId, INTERRUPTED_RUN_ERROR] : [pipelineId, INTERRUPTED_RUN_ERROR, runId],
  );
  return rowCount ?? 0;
}

/**
 * Whether any session of this database holds the run lock of `pipelineId` (a run is live), read from
 * `pg_locks` without taking the lock: taking it, even for a moment, could fail a run starting then.
 */
export async function isLockHeld(client: pg.Pool | pg.ClientBase, schema: string, pipelineId: string): Promise<boolean> {
  const { classid, objid } = lockRow(runLockKey(schema, pipelineId));
  const { rows } = await client.query<{ held: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
       AND classid = $1::oid AND objid = $2::oid AND objsubid = 1
       AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS held`,
    [classid, objid],
  );
  return rows[0]!.held;
}

/** A pipeline lock taken by `acquire`: its key, and the server process of the connection that holds it. */
export interface RunLock {
  key: bigint;
  /** `pg_backend_pid()` of the lock's connection, as `pg_locks.pid` shows it. */
  pid: number;
}

interface Held extends RunLock {
  client: pg.PoolClient;
  onError: (error: Error) => void;
  /** Why the lock was lost, once its connection failed. */
  lost?: Error;
}

export class RunLocks {
  readonly #schema: string;
  readonly #onLost: (error: Error) => void;
  /** The connection, lock key and error listener each unfinished run holds. */
  readonly #held = new Map<string, Held>();

  /**
   * @param onLost told when a held connection fails (the server stopped or restarted): its run no
   *   longer holds the lock. A checked-out pg client with no 'error' listener would crash the process.
   */
  constructor(schema: string, onLost: (error: Error) => void) {
    this.#schema = schema;
    this.#onLost = onLost;
  }

  /**
   * Takes the lock of `pipelineId` on `client` without waiting, then marks the pipeline's runs still
   * `running` as interrupted: no process holds them any more. They end as `markInterrupted` says.
   *
   * @returns the lock to hand to `hold` (or `drop`).
   * @throws Error naming the running run when another session holds the lock.
   */
  async acquire(client: pg.PoolClient, pipelineId: string): Promise<RunLock> {
    const key = runLockKey(this.#schema, pipelineId);
    const { rows } = await client.query<{ locked: boolean; pid: number }>(
      'SELECT pg_try_advisory_lock($1::bigint) AS locked, pg_backend_pid() AS pid',
      [String(key)],
    );
    if (!rows[0]!.locked) throw new Error(await this.#busy(client, pipelineId));
    try {
      await markInterrupted(client, this.#schema, pipelineId);
    } catch (error) {
      await this.drop(client, key);
      throw error;
    }
    return { key, pid: rows[0]!.pid };
  }

  /** Why a run of `pipelineId` cannot start while another holds its lock, naming that run. */
  async #busy(client: pg.PoolClient, pipelineId: string): Promise<string> {
    const { rows } = await client.query<{ id: string; started_at: Date }>(
      `SELECT id, started_at FROM ${this.#schema}.runs WHERE pipeline_id = $1 AND status = 'running' ORDER BY started_at DESC LIMIT 1`,
      [pipelineId],
    );
    const which = rows[0] ? ` (run ${rows[0].id}, started ${rows[0].started_at.toISOString()})` : '';
    return `pipeline ${JSON.stringify(pipelineId)} is already running${which}: wait for it to finish, or run under another --pipeline`;
  }

  /** Gives up a lock `acquire` returned, on the same connection, when the run could not start. */
  async drop(client: pg.PoolClient, key: bigint): Promise<void> {
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [String(key)]).catch(() => {});
  }

  /** Keeps `client` and its lock for `runId` until `release(runId)`. */
  hold(runId: string, client: pg.PoolClient, lock: RunLock): void {
    const held: Held = {
      client,
      ...lock,
      onError: (error: Error) => {
        const lost = new Error(`run ${runId} lost its pipeline lock with its connection: ${error.message}`, { cause: error });
        held.lost ??= lost;
        this.#onLost(lost);
      },
    };
    client.on('error', held.onError);
    this.#held.set(runId, held);
  }

  /**
   * Checks, on `client` (inside the caller's transaction), that `runId` still holds its pipeline's
   * lock: this store holds it for the run, its connection has not failed, and Postgres still lists the
   * lock as granted to that connection's server process.
   *
   * @throws Error "run … no longer holds the lock of pipeline …: … (a new run may be running; this run
   *   stops here, its committed checkpoints are kept)".
   */
  async assertHeld(client: pg.PoolClient, runId: string, pipelineId: string): Promise<void> {
    const held = this.#held.get(runId);
    const refuse = (why: string) =>
      new Error(
        `cannot commit state: run ${runId} no longer holds the lock of pipeline ${JSON.stringify(pipelineId)} (${why}); ` +
          'another run may have started since, so this run stops here. Its committed checkpoints are kept: run the pipeline again to resume',
      );
    if (!held) throw refuse('the run is not running in this process');
    if (held.lost) throw refuse(`its connection failed: ${(held.lost.cause as Error | undefined)?.message ?? held.lost.message}`);
    const { classid, objid } = lockRow(held.key);
    const { rows } = await client.query<{ held: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = $1
         AND classid = $2::oid AND objid = $3::oid AND objsubid = 1
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS held`,
      [held.pid, classid, objid],
    );
    if (!rows[0]!.held) throw refuse('its connection to Postgres ended');
  }

  /** Unlocks the run's pipeline and returns its connection (destroyed if the unlock fails, which frees the lock too). */
  async release(runId: string): Promise<void> {
    const held = this.#held.get(runId);
    if (!held) return;
    this.#held.delete(runId);
    held.client.off('error', held.onError);
    if (held.lost) {
      held.client.release(held.lost);
      return;
    }
    try {
      await held.client.query('SELECT pg_advisory_unlock($1::bigint)', [String(held.key)]);
      held.client.release();
    } catch (error) {
      held.client.release(error as Error);
    }
  }

  /**
   * Unlocks the pipelines of runs never finished and destroys their connections. The runs stay
   * `running` until the next run of each pipeline marks them interrupted. Unlocking first, rather than
   * leaving it to the connection's end, frees each lock before this resolves: the server ends a
   * session (and drops its locks) a moment after its client has gone, so a run started right after
   * `close()` could otherwise find its pipeline still locked. A server that does not answer within
   * `UNLOCK_WAIT_MS` is not waited for: the lock then goes with the connection, as when a process dies.
   */
  async releaseAll(): Promise<void> {
    const held = [...this.#held.values()];
    this.#held.clear();
    await Promise.all(
      held.map(async ({ client, onError, key, lost }) => {
        client.off('error', onError);
        if (!lost) {
          let timer: NodeJS.Timeout | undefined;
          const unlock = client.query('SELECT pg_advisory_unlock($1::bigint)', [String(key)]).catch(() => {});
          await Promise.race([unlock, new Promise<void>((resolve) => (timer = setTimeout(resolve, UNLOCK_WAIT_MS)))]);
          clearTimeout(timer);
        }
        client.release(true);
      }),
    );
  }
}
