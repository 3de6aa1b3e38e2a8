/**
 * One-shot connector commands (`spec`, `check`, `discover`): run the command, collect its messages,
 * and turn a failure into one clear error.
 */
import { errorMessage, type AirbyteCatalog, type AirbyteMessage, type FailureType } from '@sync/protocol';
import type { ConnectorCommand } from './connector-command.ts';
import { describeExit, spawnConnector } from './connector-process.ts';

/** A connector reported (TRACE ERROR) or showed (bad exit, bad output) that it failed. */
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

/**
 * Runs `command` with `args` to completion and returns the messages it printed. `onStderr` receives
 * the connector's stderr lines as they come.
 *
 * @throws ConnectorFailure with the connector's own TRACE ERROR message when it sent one, else with its
 *   exit status and last stderr line; also when its output is not valid protocol.
 */
export async function callConnector(
  command: ConnectorCommand,
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
  onStderr?: (line: string) => void,
): Promise<AirbyteMessage[]> {
  const child = spawnConnector(command, { args, stdin: 'ignore', ...(env ? { env } : {}), ...(onStderr ? { onStderr } : {}) });
  const messages: AirbyteMessage[] = [];
  try {
    for await (const { message } of child.lines) messages.push(message);
  } catch (error) {
    child.kill();
    await child.exited;
    throw new ConnectorFailure(command.name, errorMessage(error).replace(`${command.name}: `, ''));
  }
  const exit = await child.exited;
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

/** Runs `discover --config FILE` and returns the catalog. */
export async function discoverCatalog(
  command: ConnectorCommand,
  configPath: string,
  env?: NodeJS.ProcessEnv,
  onStderr?: (line: string) => void,
): Promise<AirbyteCatalog> {
  const messages = await callConnector(command, ['discover', '--config', configPath], env, onStderr);
  const catalog = messages.find((m) => m.type === 'CATALOG');
  if (catalog?.type !== 'CATALOG') throw new ConnectorFailure(command.name, 'discover printed no CATALOG message');
  return catalog.catalog;
}
