/**
 * One-shot connector commands (`spec`, `check`, `discover`): run the command, collect its messages,
 * and turn a failure into one clear error. Every call is bounded: in time (`timeoutMs`, default 2
 * minutes) and in the output kept (`maxOutputBytes`, default 64 MiB of message lines).
 */
import type { AirbyteCatalog, AirbyteMessage, FailureType } from '@sync/protocol';
import { errorMessage } from './errors.ts';
import type { ConnectorCommand } from './connector-command.ts';
import { describeExit, spawnConnector } from './connector-process.ts';
import { formatDuration } from './duration.ts';
import { DEFAULT_COMMAND_TIMEOUT_MS } from './timeouts.ts';

/** Default most output kept from one `spec`, `check` or `discover`, in bytes of message lines: 64 MiB. */
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

/** A connector reported (TRACE ERROR) or showed (bad exit, bad output, a timeout) that it failed. */
export class ConnectorFailure extends Error {
  readonly connector: string;
  readonly failureType: FailureType;

  constructor(connector: string, message: string, failureType: FailureType = 'system_error') {
    super(`${connector}: ${message}`);
    this.name = 'ConnectorFailure';
    this.connector = connector;
    this.failureType = failureType;
  }
}

/** How to run one connector call; every field optional. */
export interface CallOptions {
  /** The connector's environment; default the allow-listed variables of this process's (connector-env.ts). */
  env?: NodeJS.ProcessEnv;
  /** Receives the connector's stderr lines as they come. */
  onStderr?: (line: string) => void;
  /** Longest the command may run, in ms; default `DEFAULT_COMMAND_TIMEOUT_MS`; 0: no limit. */
  timeoutMs?: number;
  /** Most bytes of message lines kept; default `DEFAULT_MAX_OUTPUT_BYTES`. */
  maxOutputBytes?: number;
  /** Aborting kills the connector; the call then throws ConnectorFailure "interrupted". */
  signal?: AbortSignal;
}

/**
 * Runs `command` with `args` (`['spec']`, `['check', '--config', FILE]`, …) to completion and returns
 * the messages it printed.
 *
 * @throws ConnectorFailure with the connector's own TRACE ERROR message when it sent one, else with its
 *   exit status and last stderr line; also when its output is not valid protocol, when it runs longer
 *   than `options.timeoutMs` (transient_error, naming the command and the limit), when it prints more
 *   than `options.maxOutputBytes`, or when `options.signal` aborts.
 */
export async function callConnector(command: ConnectorCommand, args: readonly string[], options: CallOptions = {}): Promise<AirbyteMessage[]> {
  const what = args[0] ?? 'command';
  const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const child = spawnConnector(command, {
    args,
    stdin: 'ignore',
    timeoutMs,
    ...(options.env ? { env: options.env } : {}),
    ...(options.onStderr ? { onStderr: options.onStderr } : {}),
  });
  let stopped: ConnectorFailure | undefined;
  const stop = (failure: ConnectorFailure) => {
    stopped ??= failure;
    child.kill();
  };
  const onAbort = () => stop(new ConnectorFailure(command.name, `\`${what}\` was interrupted`, 'transient_error'));
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  const messages: AirbyteMessage[] = [];
  let kept = 0;
  try {
    for await (const { line, message } of child.lines) {
      kept += Buffer.byteLength(line);
      if (kept > maxOutputBytes) {
        stop(
          new ConnectorFailure(
            command.name,
            `\`${what}\` printed more than ${maxOutputBytes} bytes of messages; the engine stopped reading it (is it stuck in a loop?)`,
          ),
        );
        break;
      }
      messages.push(message);
    }
  } catch (error) {
    stop(new ConnectorFailure(command.name, errorMessage(error).replace(`${command.name}: `, '')));
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  const exit = await child.exited;
  if (stopped) throw stopped;
  if (exit.timedOut) {
    throw new ConnectorFailure(
      command.name,
      `\`${what}\` did not finish within ${formatDuration(timeoutMs)} (connector command timeout; raise it with --command-timeout)`,
      'transient_error',
    );
  }
  const error = messages.find((m) => m.type === 'TRACE' && m.trace.type === 'ERROR');
  if (error?.type === 'TRACE' && error.trace.error) {
    throw new ConnectorFailure(command.name, error.trace.error.message, error.trace.error.failure_type);
  }
  if (exit.exitCode !== 0) {
    const last = child.stderrTail().at(-1);
    throw new ConnectorFailure(command.name, `${describeExit(exit)}${last ? `: ${last}` : ''}`);
  }
  return messages;
}

/** Runs `discover --config FILE` and returns the catalog. Throws as `callConnector` does. */
export async function discoverCatalog(command: ConnectorCommand, configPath: string, options: CallOptions = {}): Promise<AirbyteCatalog> {
  const messages = await callConnector(command, ['discover', '--config', configPath], options);
  const catalog = messages.find((m) => m.type === 'CATALOG');
  if (catalog?.type !== 'CATALOG') throw new ConnectorFailure(command.name, 'discover printed no CATALOG message');
  return catalog.catalog;
}
