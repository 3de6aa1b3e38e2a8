/**
 * Injected faults: the emulator's way to make requests fail as the real API sometimes does, including
 * the case a client cannot tell from a plain failure, where the request was carried out and only the
 * answer was lost ("applied but the client saw a failure"). A client that resends such a request
 * blindly appends its rows twice or deletes the wrong rows; these faults are how tests prove it does not.
 */

/** Which requests a fault applies to; every field given must match. */
export interface SheetsFaultTarget {
  /** How many matching requests fail (a positive integer). */
  count: number;
  /** Only requests whose decoded path contains this string, e.g. `:append` or `/values/`. */
  pathContains?: string;
  /** Only requests whose raw JSON body contains this string, e.g. `deleteDimension`. */
  bodyContains?: string;
  /** Only requests with this HTTP method (`GET`, `POST`, `PUT`). */
  method?: string;
  /**
   * true: the request is carried out first, then the client sees the failure (so it was applied
   * although the client was told otherwise). false (the default): it fails without being applied.
   */
  applied?: boolean;
}

/**
 * A fault to inject: an HTTP error status (Google's error body), `drop` (the connection is closed
 * without an answer: the client sees a connection reset), or `hang` (no answer at all; the connection
 * stays open until the client gives up, e.g. on its timeout, or the emulator closes).
 */
export type SheetsFault = SheetsFaultTarget &
  (
    | {
        status: 429 | 500 | 502 | 503 | 504;
        /** Sent as the `Retry-After` header (seconds), as a server asking the client to wait does. */
        retryAfterSeconds?: number;
      }
    | { failure: 'drop' | 'hang' }
  );

/** What the client gets for a faulted request. */
export type FaultAnswer = { kind: 'status'; status: number; body: unknown; headers?: Record<string, string> } | { kind: 'drop' } | { kind: 'hang' };

/** The answer Google gives when a request is over quota (429 RESOURCE_EXHAUSTED). */
export function quotaError(): { status: number; body: unknown } {
  return {
    status: 429,
    body: {
      error: {
        code: 429,
        message: "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' of service 'sheets.googleapis.com'.",
        status: 'RESOURCE_EXHAUSTED',
      },
    },
  };
}

/** The client-visible failure of a fault. */
export function faultAnswer(fault: SheetsFault): FaultAnswer {
  if ('failure' in fault) return { kind: fault.failure };
  const headers = fault.retryAfterSeconds === undefined ? {} : { headers: { 'retry-after': String(fault.retryAfterSeconds) } };
  if (fault.status === 429) return { kind: 'status', ...quotaError(), ...headers };
  const status = fault.status === 503 ? 'UNAVAILABLE' : fault.status === 504 ? 'DEADLINE_EXCEEDED' : 'INTERNAL';
  return { kind: 'status', status: fault.status, body: { error: { code: fault.status, message: 'The service is currently unavailable.', status } }, ...headers };
}

/** Faults waiting for matching requests, taken in the order they were injected. */
export class FaultQueue {
  readonly #faults: SheetsFault[] = [];

  /**
   * Queues a fault.
   *
   * @throws Error when `count` is not a positive integer.
   */
  inject(fault: SheetsFault): void {
    if (!Number.isInteger(fault.count) || fault.count < 1) throw new Error(`fault count must be a positive integer, got ${fault.count}`);
    this.#faults.push({ ...fault });
  }

  /** Takes one use of the first fault matching the request, if any. */
  take(method: string, path: string, body: string): SheetsFault | undefined {
    const index = this.#faults.findIndex(
      (f) =>
        (f.pathContains === undefined || path.includes(f.pathContains)) &&
        (f.bodyContains === undefined || body.includes(f.bodyContains)) &&
        (f.method === undefined || f.method === method),
    );
    if (index < 0) return undefined;
    const fault = this.#faults[index]!;
    if (--fault.count <= 0) this.#faults.splice(index, 1);
    return fault;
  }

  /** Uses left of every queued fault (0 once every injected fault has hit a request). */
  left(): number {
    return this.#faults.reduce((n, f) => n + f.count, 0);
  }
}
