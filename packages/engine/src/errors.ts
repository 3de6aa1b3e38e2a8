/**
 * The engine's own error helpers. The engine speaks the Airbyte protocol (@sync/protocol) but is not
 * a connector, so it does not use the connector SDK's errors.
 */

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A run that cannot work as the user asked (an unknown stream in `--streams`, `append_dedup` for a
 * stream without a primary key): the run fails with `failure_type` config_error and this message.
 */
export class RunConfigError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RunConfigError';
  }
}
