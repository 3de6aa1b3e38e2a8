/**
 * The error of a change that conflicts with what the store holds: a pipeline id taken, a run of the
 * pipeline already queued or running. The API answers it with 409.
 */
export class ConflictError extends Error {
  /** Always `conflict`, for callers that tell errors apart without `instanceof` (bundles, realms). */
  readonly code = 'conflict';
  /** The run in the way, when a run is. */
  readonly runId: string | undefined;

  constructor(message: string, options: { runId?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConflictError';
    this.runId = options.runId;
  }
}
