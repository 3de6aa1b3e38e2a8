/**
 * The one COPY FROM STDIN a connection can have open at a time, kept open across writes so that rows
 * stream to the server as records arrive (issue 13) instead of one COPY per buffered batch.
 *
 * A COPY is one statement, so `statement_timeout` counts from its start, and it holds its table's
 * lock: an open COPY is ended when input goes quiet for `idleMs` or once it is `maxAgeMs` old (the
 * next rows open a new one), and by `end()` before any other statement (a merge, a commit).
 */
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, type CopyStreamQuery } from 'pg-copy-streams';

export interface CopyLaneOptions {
  /** End an open COPY after this many milliseconds without a write. */
  idleMs: number;
  /** End an open COPY this many milliseconds after it started, at its next write or idle check. */
  maxAgeMs: number;
}

export class CopyLane {
  readonly #client: pg.Client;
  readonly #options: CopyLaneOptions;
  #stream: CopyStreamQuery | undefined;
  /** The COPY statement of `#stream`. */
  #sql = '';
  #openedAt = 0;
  #lastWrite = 0;
  #timer: NodeJS.Timeout | undefined;
  /** An end started by the idle timer, awaited by the next call. */
  #ending: Promise<void> | undefined;
  #error: unknown;

  constructor(client: pg.Client, options: CopyLaneOptions) {
    this.#client = client;
    this.#options = options;
  }

  /**
   * Writes `chunk` (whole COPY text-format rows, UTF-8) to the COPY `sql`, opening it (and ending another
   * one) first when needed; waits while the socket's buffer is full.
   *
   * @throws the COPY's error (a constraint, a timeout, a lost connection) once the server reports it.
   */
  async write(sql: string, chunk: Buffer): Promise<void> {
    await this.#settle();
    if (this.#stream && (this.#sql !== sql || performance.now() - this.#openedAt >= this.#options.maxAgeMs)) await this.#endCurrent();
    if (!this.#stream) this.#open(sql);
    const stream = this.#stream!;
    this.#lastWrite = performance.now();
    if (!stream.write(chunk)) await once(stream, 'drain');
    this.#throwIfFailed();
  }

  /** Ends the open COPY, if any, once the server has taken every row. */
  async end(): Promise<void> {
    await this.#settle();
    await this.#endCurrent();
  }

  /**
   * True when every byte written to the COPY has left for the server: nothing waits in the COPY stream
   * or in the connection's socket (Node's `writableLength`, which counts a write until the kernel took
   * all of it), so no chunk written before is still read. False when the socket cannot be seen.
   */
  released(): boolean {
    const socket = (this.#client as unknown as { connection?: { stream?: { writableLength?: unknown } } }).connection?.stream;
    return (this.#stream?.writableLength ?? 0) === 0 && socket?.writableLength === 0;
  }

  /** Stops the idle timer and leaves an open COPY to the closing connection (after a failure). */
  abandon(): void {
    clearTimeout(this.#timer);
    this.#stream = undefined;
  }

  #open(sql: string): void {
    const stream = this.#client.query(copyFrom(sql));
    // Kept for the next call: an error with no listener would crash the process.
    stream.on('error', (error) => {
      this.#error ??= error;
    });
    this.#stream = stream;
    this.#sql = sql;
    this.#openedAt = performance.now();
    this.#arm(this.#options.idleMs);
  }

  #arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#check(), ms);
    this.#timer.unref();
  }

  #check(): void {
    if (!this.#stream || this.#ending) return;
    const now = performance.now();
    const idleLeft = this.#options.idleMs - (now - this.#lastWrite);
    const ageLeft = this.#options.maxAgeMs - (now - this.#openedAt);
    if (idleLeft > 0 && ageLeft > 0) {
      this.#arm(Math.min(idleLeft, ageLeft));
      return;
    }
    this.#ending = this.#endCurrent().catch((error: unknown) => {
      this.#error ??= error;
    });
  }

  async #settle(): Promise<void> {
    if (this.#ending) {
      await this.#ending;
      this.#ending = undefined;
    }
    this.#throwIfFailed();
  }

  async #endCurrent(): Promise<void> {
    const stream = this.#stream;
    if (!stream) return;
    clearTimeout(this.#timer);
    this.#stream = undefined;
    stream.end();
    await finished(stream);
    this.#throwIfFailed();
  }

  #throwIfFailed(): void {
    if (this.#error !== undefined) throw this.#error;
  }
}
