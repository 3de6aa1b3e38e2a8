/**
 * One run at a time per pipeline: each run holds a session-level Postgres advisory lock, keyed by the
 * store's schema and the pipeline id, on a connection of its own until it finishes. A process that
 * dies loses its connections and so its locks; nothing needs cleaning up by hand.
 */
import type pg from 'pg';

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
   * Tries to take the lock of `pipelineId` on `client` (non-blocking).
   * @returns the key to hand to `hold`, or undefined when another session holds the lock.
   */
  async take(client: pg.PoolClient, pipelineId: string): Promise<string | undefined> {
    const key = `${this.#schema}.runs/${pipelineId}`;
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [key]);
    return rows[0]!.locked ? key : undefined;
  }

  /** Gives up a lock `take` returned, on the same connection, when the run could not start. */
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
