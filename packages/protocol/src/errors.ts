import type { FailureType } from './messages.ts';

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

/**
 * A line on a connector's stdout that is not a valid protocol message.
 * `message` names the connector, the 1-based line number and a snippet of the line.
 */
export class ProtocolError extends Error {
  readonly connector: string;
  readonly lineNumber: number;
  readonly snippet: string;

  constructor(connector: string, lineNumber: number, problem: string, line: string) {
    const snippet = snip(line);
    super(`${connector}: line ${lineNumber}: ${problem}: ${snippet}`);
    this.name = 'ProtocolError';
    this.connector = connector;
    this.lineNumber = lineNumber;
    this.snippet = snippet;
  }
}

/** The first 120 characters of a line, for error messages. */
export function snip(line: string, max = 120): string {
  const oneLine = line.replace(/\s+/g, ' ').trim();
  return JSON.stringify(oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine);
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
