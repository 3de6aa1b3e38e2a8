/**
 * The connectors the API may run, and their specs. The API runs built-in connectors and
 * `source-<name>` / `destination-<name>` executables on the server's PATH, never a command line
 * sent in a request (that would let any token holder run any program on the server).
 */
import { cachedConnectionSpecification, connectorEnvironment, errorMessage, resolveConnector, type BuiltinConnectors, type ConnectorCommand, type ConnectorRole } from '@sync/engine';
import type { StateStore } from '@sync/state-postgres';
import { HttpProblem } from './problem.ts';

/** What the server is given to find connectors (the CLI's built-in table and defaults). */
export interface ConnectorDirectory {
  builtins: BuiltinConnectors;
  /**
   * The config a connector runs with: the stored one plus what the server supplies when it is absent
   * (the Postgres destination's `url` defaults to the server's database). Default: the stored config.
   */
  runConfig?(role: ConnectorRole, name: string, config: Record<string, unknown>): Promise<Record<string, unknown>>;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/**
 * The command of a connector named in a request.
 *
 * @throws HttpProblem 400 (`unknown-connector`) for a name that is neither built in nor an executable
 *   `<role>-<name>` on the PATH, or that is not a plain name.
 */
export function connectorCommand(directory: ConnectorDirectory, role: ConnectorRole, name: string, field = `/${role}/name`): ConnectorCommand {
  const builtin = Object.keys(directory.builtins[role]);
  const hint = `built in: ${builtin.join(', ')}; or an executable \`${role}-<name>\` on the server's PATH`;
  if (!NAME.test(name)) {
    throw new HttpProblem(400, 'unknown-connector', `${role} ${JSON.stringify(name)} is not a connector name (${hint})`, {
      errors: [{ path: field, in: 'body', message: 'not a connector name' }],
    });
  }
  const command = resolveConnector(role, name, directory.builtins);
  // A name that is neither built in nor on the PATH resolves to a command line, which has no version.
  if (command.version === undefined && !builtin.includes(name)) {
    throw new HttpProblem(400, 'unknown-connector', `no ${role} named ${JSON.stringify(name)} (${hint})`, {
      errors: [{ path: field, in: 'body', message: 'no such connector' }],
    });
  }
  return command;
}

/**
 * Specs (`connectionSpecification`) by connector command, read once per version (kept in the state
 * store like a run's, `connector_specs`, by the engine's `cachedConnectionSpecification`) and in memory.
 */
export class SpecCache {
  readonly #store: StateStore;
  readonly #memory = new Map<string, Promise<unknown>>();

  constructor(store: StateStore) {
    this.#store = store;
  }

  /**
   * The connector's spec.
   *
   * @throws ConnectorFailure / Error when `spec` fails (not remembered: the next call tries again).
   */
  async spec(command: ConnectorCommand): Promise<unknown> {
    const key = `${command.name}\0${command.version ?? ''}`;
    let pending = this.#memory.get(key);
    if (!pending) {
      pending = this.#read(command);
      this.#memory.set(key, pending);
      pending.catch(() => this.#memory.delete(key));
    }
    return pending;
  }

  #read(command: ConnectorCommand): Promise<unknown> {
    // As a run reads it: kept in the state store per connector version.
    return cachedConnectionSpecification(command, connectorEnvironment(process.env), { cache: this.#store, timeoutMs: 60_000 });
  }

  /** The spec, or undefined with the reason when `spec` fails. */
  async trySpec(command: ConnectorCommand): Promise<{ spec?: unknown; error?: string }> {
    try {
      return { spec: await this.spec(command) };
    } catch (error) {
      return { error: errorMessage(error) };
    }
  }
}
