/**
 * One process's side of an account's shared rate limit: the requests of every run in this process on
 * that account wait in one queue, in arrival order, and a single loop takes their tokens from the
 * account's bucket in Postgres (`takeRateToken`), sleeping as long as the bucket says when it is
 * empty. One take in flight per account and process keeps the store's load near one statement per
 * request, however many requests wait; it also bounds this process to one request per database
 * round trip per account (over 1,000 a second on a local network, ten times Stripe's live limit).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { errorMessage } from '@sync/engine';
import type { RateTake } from '@sync/state-postgres';

/** What an account's requests did in this process, since it started. */
export interface AccountCounts {
  /** `acct:…` (stripe-account.ts). */
  account: string;
  /** Requests that got a token and were sent on. */
  requests: number;
  /** Of those, the ones the API answered 429 (Too Many Requests). */
  rateLimited: number;
  /** Time requests spent waiting for their token, summed, seconds. */
  waitedSeconds: number;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** The queue of an account's requests in this process. */
export class AccountLimiter {
  readonly counts: AccountCounts;
  readonly #take: () => Promise<RateTake>;
  readonly #queue: Waiter[] = [];
  #pumping = false;

  /** `take` takes one token from the account's shared bucket. */
  constructor(account: string, take: () => Promise<RateTake>) {
    this.counts = { account, requests: 0, rateLimited: 0, waitedSeconds: 0 };
    this.#take = take;
  }

  /**
   * Waits for a token of the account. Counts the request and the wait.
   *
   * @throws the abort reason when `signal` aborts first (the client went away; the request leaves the queue).
   * @throws Error naming the account when the bucket cannot be read (Postgres down, schema not migrated).
   */
  async acquire(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = this.#queue.indexOf(waiter);
        if (at >= 0) this.#queue.splice(at, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
      void this.#pump();
    });
    this.counts.requests++;
    this.counts.waitedSeconds += (performance.now() - started) / 1000;
  }

  /** Takes tokens for the waiting requests, first come first served, until none waits. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#queue.length > 0) {
        let take: RateTake;
        try {
          take = await this.#take();
        } catch (error) {
          this.#queue.shift()?.reject(new Error(`cannot take a request token of ${this.counts.account} from the state store: ${errorMessage(error)}`, { cause: error }));
          continue;
        }
        // A token granted after its request left is given to the next one; with none left, it is lost.
        if (take.granted) this.#queue.shift()?.resolve();
        else await sleep(take.waitMs);
      }
    } finally {
      this.#pumping = false;
    }
  }
}
