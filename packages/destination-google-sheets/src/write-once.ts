/**
 * Writes that must not happen twice. `values.append` adds rows after the last one and
 * `deleteDimension` deletes rows by position, so resending either after it was in fact carried out
 * appends the rows again or deletes the rows that moved into the deleted ones' place. When such a
 * request fails ambiguously (5xx, timeout, connection lost: see `isAmbiguous`), the caller reads the
 * tab back to learn whether it was applied, and only resends it when it was not.
 */
import { ConnectorError, errorMessage, withRetry } from '@sync/connector-kit';
import { sheetsRetry, statusOf, type SheetsRetrySettings } from './retry.ts';

/**
 * A non-idempotent request failed in a way that leaves open whether it was carried out.
 * `transient_error`: the run can be retried; the next run reads the sheet again.
 */
export class AmbiguousWriteError extends ConnectorError {
  /** What failed and how, without advice: `Google Sheets values.append failed (HTTP 500) and may or may not have been applied: …`. */
  readonly what: string;

  constructor(request: string, cause: unknown) {
    const status = statusOf(cause);
    const what = `Google Sheets ${request} failed${status ? ` (HTTP ${status})` : ''} and may or may not have been applied: ${errorMessage(cause).replace(/\.$/, '')}.`;
    super(`${what} Run the sync again: it resumes from its last checkpoint and reads the tab back before writing.`, { failureType: 'transient_error', cause });
    this.name = 'AmbiguousWriteError';
    this.what = what;
  }
}

/** What a read-back found: the write was applied (with the result the request would have answered), or not. */
export type Reconciled<T> = { applied: true; result: T } | { applied: false };

/**
 * Sends a non-idempotent write and makes sure it takes effect once.
 *
 * `send` throws `AmbiguousWriteError` after an ambiguous failure (`SheetsApi` does, for the requests
 * it knows are not idempotent). Then, after a backoff (the kit's retry loop, honouring the failed
 * answer's `Retry-After`), `reconcile` reads the sheet back: when it finds the write applied, its
 * result is returned; otherwise `send` runs again (so `send` should compute what is still missing
 * from what the caller knows, which `reconcile` may update). At most `retry.maxRetries` resends.
 *
 * @throws the last AmbiguousWriteError when resends run out; whatever `send` or `reconcile` throw
 *   otherwise (e.g. ConnectorError when the tab holds neither the before nor the after of the write).
 */
export async function writeOnce<T>(send: () => Promise<T>, reconcile: () => Promise<Reconciled<T>>, retry: SheetsRetrySettings): Promise<T> {
  const { onRetry } = retry;
  return withRetry(
    async (attempt) => {
      // The server was failing: the loop gave it the usual backoff before this read.
      if (attempt > 1) {
        const found = await reconcile();
        if (found.applied) return found.result;
      }
      return send();
    },
    sheetsRetry(
      {
        ...retry,
        ...(onRetry
          ? { onRetry: (n, delayMs, error) => onRetry(n, delayMs, new Error(`${(error as AmbiguousWriteError).what} Reading the sheet back before sending it again.`, { cause: error })) }
          : {}),
      },
      (error) => error instanceof AmbiguousWriteError,
    ),
  );
}
