/**
 * One run at a time per pipeline: each run holds a session-level Postgres advisory lock, keyed by the
 * store's schema and the pipeline id, on a connection of its own until it finishes. A process that
 * dies loses its connections and so its locks; nothing needs cleaning up by hand.
 */
import type pg from 'pg';

/** The error of a run whose process ended before it finished the run (see `RunLocks.acquire`). */
export const INTERRUPTED_RUN_ERROR = 'interrupted: the process running it ended before the run finished; the next run resumed from its last checkpoint';

export class RunLocks {
  readonly #schema: string;
  readonly #onLost: (error: Error) => void;
  /** The connection, lock key and error listener each unfinished run holds. */
  readonly #held = new Map<string, { client: pg.PoolClient; key: string; onError: (error: Error) => void }>();

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
   * `running` as interrupted: no process holds them any more. They end `failed` with
   * `INTERRUPTED_RUN_ERROR`, finished at their last checkpoint (or their start).
   *
   * @returns the key to hand to `hold` (or `drop`).
   * @throws Error naming the running run when another session holds the lock.
   */
  async acquire(client: pg.PoolClient, pipelineId: string): Promise<string> {
    const key = `${this.#schema}.runs/${pipelineId}`;
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [key]);
    if (!rows[0]!.locked) throw new Error(await this.#busy(client, pipelineId));
    try {
      await client.query(
        // When it ended is unknown: its last checkpoint is the last sign of life.
        `UPDATE ${this.#schema}.runs r SET status = 'failed', error = $2,
           finished_at = coalesce((SELECT max(c.committed_at) FROM ${this.#schema}.checkpoints c WHERE c.run_id = r.id), r.started_at)
         WHERE pipeline_id = $1 AND status = 'running'`,
        [pipelineId, INTERRUPTED_RUN_ERROR],
      );
    } catch (error) {
      await this.drop(client, key);
      throw error;
    }
    return key;
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
  async drop(client: pg.PoolClient, key: string): Promise<void> {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => {});
  }

  /** Keeps `client` and its lock for `runId` until `release(runId)`. */
  hold(runId: string, client: pg.PoolClient, key: string): void {
    const onError = (error: Error) => this.#onLost(new Error(`run ${runId} lost its pipeline lock with its connection: ${error.message}`, { cause: error }));
    client.on('error', onError);
    this.#held.set(runId, { client, key, onError });
  }

  /** Unlocks the run's pipeline and returns its connection (destroyed if the unlock fails, which frees the lock too). */
  async release(runId: string): Promise<void> {
    const held = this.#held.get(runId);
    if (!held) return;
    this.#held.delete(runId);
    held.client.off('error', held.onError);
    try {
      await held.client.query('SELECT pg_advisory_unlock(hashtext($1))', [held.key]);
      held.client.release();
    } catch (error) {
      held.client.release(error as Error);
    }
  }

  /** Destroys the connections of runs never finished: their locks go with them. */
  releaseAll(): void {
    for (const { client, onError } of this.#held.values()) {
      client.off('error', onError);
      client.release(true);
    }
    this.#held.clear();
  }
}
