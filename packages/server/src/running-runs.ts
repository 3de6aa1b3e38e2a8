/**
 * The runs this process executes, and why one was stopped: a cancel (`NOTIFY sync_run_cancel`, from
 * any API process), its time limit, or the worker shutting down (the run goes back to the queue for
 * another worker).
 */
import type { ServerContext } from './context.ts';

/** Why a run was aborted. */
export type StopReason = 'cancel' | 'time-limit' | 'release';

interface Entry {
  abort: AbortController;
  reason?: StopReason;
  timer?: NodeJS.Timeout;
}

/** How often the runs of this process are checked for a cancel whose notification was lost, ms. */
const CANCEL_CHECK_MS = 5000;

export class RunningRuns {
  readonly #runs = new Map<string, Entry>();
  #listening: { close(): Promise<void> } | undefined;
  #checker: NodeJS.Timeout | undefined;

  /**
   * Listens for cancel requests, and looks every 5 s at the runs of this process for one whose
   * notification was lost (sent while the listening connection was down).
   */
  async start(context: ServerContext): Promise<void> {
    this.#listening = await context.service.listen(['sync_run_cancel'], (_channel, runId) => this.stop(runId, 'cancel'));
    this.#checker = setInterval(() => {
      for (const runId of this.#runs.keys()) {
        context.service.getServiceRun(runId).then(
          (run) => {
            if (run?.cancelRequestedAt) this.stop(runId, 'cancel');
          },
          () => {},
        );
      }
    }, CANCEL_CHECK_MS);
    this.#checker.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#checker);
    await this.#listening?.close();
  }

  /** Registers a run starting now; with `limitMs`, it is stopped (`time-limit`) that long after. */
  begin(runId: string, limitMs?: number): AbortSignal {
    const entry: Entry = { abort: new AbortController() };
    if (limitMs !== undefined) {
      entry.timer = setTimeout(() => this.stop(runId, 'time-limit'), limitMs);
      entry.timer.unref();
    }
    this.#runs.set(runId, entry);
    return entry.abort.signal;
  }

  /** Stops a run of this process; the first reason given is the one kept. */
  stop(runId: string, reason: StopReason): void {
    const entry = this.#runs.get(runId);
    if (!entry || entry.abort.signal.aborted) return;
    entry.reason = reason;
    entry.abort.abort();
  }

  /** Forgets a run that ended; returns why it was stopped, if it was. */
  end(runId: string): StopReason | undefined {
    const entry = this.#runs.get(runId);
    clearTimeout(entry?.timer);
    this.#runs.delete(runId);
    return entry?.reason;
  }

  /** Stops every run of this process, to be taken over by another worker (shutdown). */
  releaseAll(): void {
    for (const runId of this.#runs.keys()) this.stop(runId, 'release');
  }

  /** How many runs this process executes now. */
  get size(): number {
    return this.#runs.size;
  }
}
