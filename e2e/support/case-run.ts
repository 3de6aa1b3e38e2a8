/**
 * A `sync run` of a fault-matrix case in progress (e2e/support/faults.ts): its stderr read as it
 * comes, so a test can wait until the run is mid-way and then strike (kill a connector or the engine).
 */
import type { ResultPromise } from 'execa';
import type { StripeEmulator } from '@sync/stripe-emulator';
import { descendantsMatching, running } from './processes.ts';

export type DestinationMode = 'append' | 'append_dedup' | 'overwrite';

/** The streams of every case: one read by events (customers), one by `created` (balance_transactions). */
export const STREAMS = ['customers', 'balance_transactions'] as const;

/** List requests an `overwrite` run must have made before it counts as mid-way (it acknowledges nothing before its end). */
const OVERWRITE_MIDWAY_REQUESTS = 12;

/** How a run of the CLI ended. */
export interface RunOutcome {
  /** Exit code; undefined when the CLI was killed. */
  exitCode: number | undefined;
  /** The text of the CLI's `sync: error: …` line, when it printed one. */
  error: string | undefined;
  stderr: string;
}

/**
 * A `sync run` in progress: its stderr (JSON log lines) read as it comes, so that a test can wait for
 * the run to be mid-way and then strike.
 */
export class CaseRun {
  readonly #cli: ResultPromise;
  readonly #mode: DestinationMode;
  readonly #checkpointed = new Set<string>();
  readonly #lines: string[] = [];
  readonly #listRequests: Promise<void>;
  readonly #ended: Promise<RunOutcome>;
  #waiters: Array<() => void> = [];

  constructor(cli: ResultPromise, mode: DestinationMode, emulator: StripeEmulator) {
    this.#cli = cli;
    this.#mode = mode;
    this.#listRequests = requestsServed(emulator, OVERWRITE_MIDWAY_REQUESTS);
    let partial = '';
    cli.stderr!.setEncoding('utf8');
    cli.stderr!.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) this.#read(line);
      for (const wake of this.#waiters) wake();
    });
    this.#ended = cli.then((result) => {
      if (partial) this.#read(partial);
      const stderr = this.#lines.join('\n');
      const error = this.#lines.find((line) => line.startsWith('sync: error: '))?.slice('sync: error: '.length);
      return { exitCode: result.exitCode, error, stderr };
    });
  }

  #read(line: string): void {
    this.#lines.push(line);
    if (!line.startsWith('{')) return;
    const entry = JSON.parse(line) as { event?: string; stream?: string | null };
    if (entry.event === 'checkpoint' && entry.stream) this.#checkpointed.add(entry.stream);
  }

  /** The CLI's process id. */
  get pid(): number {
    return this.#cli.pid!;
  }

  /**
   * Resolves once the run is mid-way: the destination acknowledged a checkpoint of every stream (the
   * CLI logged it), or, in `overwrite` (nothing is acknowledged before the tables are swapped in at
   * the end), the source has made its first dozen list requests.
   * @throws when the run ends first, with its stderr.
   */
  async midway(): Promise<void> {
    const ended = this.#ended.then((outcome) => {
      throw new Error(`the run ended (exit code ${String(outcome.exitCode)}) before it was mid-way:\n${outcome.stderr}`);
    });
    if (this.#mode === 'overwrite') return Promise.race([this.#listRequests, ended]);
    const checkpointed = new Promise<void>((resolve) => {
      const check = () => {
        if (STREAMS.every((stream) => this.#checkpointed.has(stream))) resolve();
      };
      this.#waiters.push(check);
      check();
    });
    return Promise.race([checkpointed, ended]);
  }

  /** SIGKILLs the connector whose command line contains `needle` (`source-stripe`, `destination-postgres`), as a crash would; returns the pids killed. */
  killConnector(needle: string): number[] {
    const pids = descendantsMatching(this.pid, needle);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    return pids;
  }

  /**
   * SIGKILLs the engine (the CLI; and under an older Node the Node 22 process it re-runs itself in)
   * as a power cut would, and returns the pids of its connectors, which are left to notice alone.
   */
  killEngine(): number[] {
    const connectors = [...descendantsMatching(this.pid, 'source-stripe'), ...descendantsMatching(this.pid, 'destination-postgres')];
    for (const pid of [...descendantsMatching(this.pid, 'apps/cli/bin/sync.js'), this.pid]) process.kill(pid, 'SIGKILL');
    return connectors;
  }

  /** How the run ended. */
  outcome(): Promise<RunOutcome> {
    return this.#ended;
  }
}

/**
 * Resolves once the emulator has received `count` list requests. A probe, not a fault: it is queued
 * like a fault but never applies (`when` says no), and sees every request while it is first in the queue.
 */
function requestsServed(emulator: StripeEmulator, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    emulator.inject({
      delayMs: 1,
      count: Number.MAX_SAFE_INTEGER,
      when: ({ method, path }) => {
        if (method === 'GET' && path !== '/v1/account' && ++seen === count) resolve();
        return false;
      },
    });
  });
}


