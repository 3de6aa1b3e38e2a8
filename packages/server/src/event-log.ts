/**
 * A run's events, kept in the state store (`run_events`) as they happen, so any number of API servers
 * can stream them and a client can resume with `?after=seq`: the writer side (batched, one insert and
 * one NOTIFY per 100 ms), and the follower side (wakes on NOTIFY, polls once a second besides).
 */
import type { RunEventRecord, ServiceStore } from '@sync/state-postgres';

type Json = Record<string, unknown>;

/** Appends one run's events in order, numbered from 1, and the records read so far to the run's row. */
export class RunEventWriter {
  readonly #service: ServiceStore;
  readonly #runId: string;
  #seq = 0;
  #pending: { seq: number; event: Json }[] = [];
  /** Records read per stream since the last write (from `records_read` events). */
  #read: Record<string, number> = {};
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  readonly #onError: (error: unknown) => void;

  /** `afterSeq`: the last event number the run already has (a run taken over); 0 for a new run. */
  constructor(service: ServiceStore, runId: string, afterSeq: number, onError: (error: unknown) => void) {
    this.#service = service;
    this.#runId = runId;
    this.#seq = afterSeq;
    this.#onError = onError;
  }

  /** Queues an event, stamped with the time now (`at`, ISO 8601); it is written within 100 ms. */
  push(event: Json): void {
    this.#pending.push({ seq: ++this.#seq, event: { ...event, at: new Date().toISOString() } });
    if (event.type === 'records_read' && typeof event.stream === 'string' && typeof event.total_read === 'number') this.#read[event.stream] = event.total_read;
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, 100);
  }

  /** Writes what is queued (after any write in progress). A failed write keeps its events for the next one. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(async () => {
      const batch = this.#pending;
      if (batch.length === 0) return;
      this.#pending = [];
      const read = this.#read;
      this.#read = {};
      try {
        await this.#service.appendRunEvents(this.#runId, batch);
        await this.#service.setRecordsRead(this.#runId, read);
      } catch (error) {
        this.#pending = [...batch, ...this.#pending];
        this.#onError(error);
      }
    });
    return this.#flushing;
  }

  /** Writes everything left. */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
    if (this.#pending.length > 0) await this.flush();
  }
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
/** How long after a run's end its worker's run_finished event may still come, ms. */
const FINISH_EVENT_GRACE_MS = 10_000;

/**
 * A finished run that will get no run_finished event: cancelled while queued (no worker took it), or
 * ended over 10 s ago (its worker died before writing the event, and another process marked it).
 */
function endedWithoutWorker(run: { status: string; startedAt: Date; createdAt: Date; finishedAt?: Date }): boolean {
  if (run.status === 'cancelled' && run.startedAt.getTime() === run.createdAt.getTime()) return true;
  return run.finishedAt !== undefined && Date.now() - run.finishedAt.getTime() > FINISH_EVENT_GRACE_MS;
}

/** Follows runs' events for the event-stream route; one LISTEN connection for the whole server. */
export class RunEventFeed {
  readonly #service: ServiceStore;
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #closed = new AbortController();
  #listening: { close(): Promise<void> } | undefined;

  constructor(service: ServiceStore) {
    this.#service = service;
  }

  /** Starts listening for new events. */
  async start(): Promise<void> {
    this.#listening = await this.#service.listen(['sync_run_events'], (_channel, runId) => {
      for (const wake of this.#waiters.get(runId) ?? []) wake();
    });
  }

  async close(): Promise<void> {
    this.abortAll();
    await this.#listening?.close();
  }

  /** Ends every follower now (the server is closing). */
  abortAll(): void {
    this.#closed.abort();
  }

  #wait(runId: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.#waiters.get(runId);
      if (!set) this.#waiters.set(runId, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0) this.#waiters.delete(runId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  /**
   * The run's events after `after`, as they come, until its `run_finished` event (or, for a run that
   * will get none, such as a run cancelled while queued, one made from its record) or `signal`.
   */
  async *follow(runId: string, after: number, clientGone: AbortSignal): AsyncGenerator<RunEventRecord> {
    const signal = AbortSignal.any([clientGone, this.#closed.signal]);
    let last = after;
    while (!signal.aborted) {
      const batch = await this.#service.listRunEvents(runId, { after: last, limit: 500 });
      for (const record of batch) {
        yield record;
        last = record.seq;
        if (record.event.type === 'run_finished') return;
      }
      if (batch.length === 500) continue;
      const run = await this.#service.getServiceRun(runId);
      if (!run || (FINISHED.has(run.status) && endedWithoutWorker(run))) {
        yield {
          seq: last + 1,
          at: run?.finishedAt ?? new Date(),
          event: { type: 'run_finished', status: run?.status ?? 'failed', error: run?.error ?? null, streams: {} },
        };
        return;
      }
      // A finished run's worker writes its run_finished event shortly after the store records the end.
      await this.#wait(runId, 1000, signal);
    }
  }

}
