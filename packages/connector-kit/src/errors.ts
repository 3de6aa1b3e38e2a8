/**
 * The errors a connector throws to fail with a `failure_type` (the harness turns them into a TRACE
 * ERROR and exit code 1).
 */
import type { FailureType } from '@sync/protocol';

/**
 * An error a connector reports to the engine as a TRACE ERROR with a `failure_type`
 * (Airbyte protocol, AirbyteErrorTraceMessage):
 * - `config_error`: the user must change something (bad API key, unknown stream); retrying won't help.
 * - `transient_error`: retrying later may succeed (rate limit, network, 5xx).
 * - `system_error`: a bug or an unexpected state.
 *
 * `message` is for the user: what happened, where, and what to do.
 */
export class ConnectorError extends Error {
  readonly failureType: FailureType;
  readonly stream: string | undefined;

  constructor(message: string, options: { failureType?: FailureType; stream?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ConnectorError';
    this.failureType = options.failureType ?? 'system_error';
    this.stream = options.stream;
  }
}

/** A config the user gave that cannot work. Shorthand for `ConnectorError` with `config_error`. */
export class ConfigError extends ConnectorError {
  constructor(message: string, options: { stream?: string; cause?: unknown } = {}) {
    super(message, { ...options, failureType: 'config_error' });
    this.name = 'ConfigError';
  }
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
