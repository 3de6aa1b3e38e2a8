/**
 * The secrets of one run, and the masking of everything that leaves the engine with them: every
 * SyncEvent, the failure, the error stored with the run. Masking is the engine's job, so the CLI's
 * logs, `sync runs` and any later consumer only ever see masked text.
 *
 * A run's secrets are: the values its connectors' specs mark `airbyte_secret` in the configs they are
 * given (saved CONTROL changes included) and in the changes they send mid-run (a refreshed token);
 * every string of the config of a connector whose `spec` failed (fail closed); the credentials inside
 * URLs in any config string; and what the caller names (the state store's URL, values of passed
 * environment variables).
 *
 * A connector with a version (`ConnectorCommand.version`) has its spec read once per version: it is
 * kept in the state store (`RunStore.saveConnectorSpec`) and later runs start no `spec` process for it.
 */
import { errorMessage } from './errors.ts';
import { callConnector, type CallOptions } from './call-connector.ts';
import type { ConnectorCommand } from './connector-command.ts';
import type { ConnectorRole } from './connector-command.ts';
import type { SyncEvent } from './events.ts';
import { createRedactor, redactDeep, type Redact } from './redactor.ts';
import type { RunStore } from './run-store.ts';
import { secretValues, stringValues, urlSecretsIn } from './secret-values.ts';

/**
 * Runs `spec` on a connector and returns its `connectionSpecification`.
 *
 * @param options environment, time limit and abort signal of the call (see `callConnector`).
 * @throws ConnectorFailure when the connector fails, times out or is interrupted; Error when it prints
 *   no SPEC message.
 */
export async function connectionSpecification(command: ConnectorCommand, options: CallOptions = {}): Promise<unknown> {
  const messages = await callConnector(command, ['spec'], options);
  const spec = messages.find((m) => m.type === 'SPEC');
  if (spec?.type !== 'SPEC') throw new Error(`${command.name}: spec printed no SPEC message`);
  return spec.spec.connectionSpecification;
}

/** What `RunSecrets.readSpecs` needs of each connector. */
export interface SecretSource {
  command: ConnectorCommand;
  /** The config the connector is started with (saved CONTROL changes applied). */
  config: Record<string, unknown>;
}

/** Where specs of versioned connectors are kept across runs: the run's state store. */
export type SpecCache = Pick<RunStore, 'loadConnectorSpec' | 'saveConnectorSpec'>;

/** How `RunSecrets.readSpecs` runs each `spec`, and where it finds specs read before. */
export interface ReadSpecsOptions extends Pick<CallOptions, 'timeoutMs' | 'signal'> {
  /** Specs of versioned connectors read in earlier runs; without it every spec is read. */
  cache?: SpecCache;
}

/**
 * The `connectionSpecification` of a connector: from `cache` when the connector has a version whose
 * spec is kept there, else by running `spec` (and keeping the answer when it has a version). The cache
 * never fails a call: a lookup that fails is a miss, a save that fails is skipped.
 *
 * @throws as `connectionSpecification` does, when `spec` must run and fails.
 */
export async function cachedConnectionSpecification(command: ConnectorCommand, env: NodeJS.ProcessEnv, options: ReadSpecsOptions): Promise<unknown> {
  const { cache, ...limits } = options;
  const version = command.version;
  if (cache && version) {
    const kept = await cache.loadConnectorSpec(command.name, version).catch(() => undefined);
    if (kept !== undefined) return kept;
  }
  const schema = await connectionSpecification(command, { ...limits, env });
  if (cache && version) await cache.saveConnectorSpec(command.name, version, schema).catch(() => {});
  return schema;
}

/** Marks a role whose spec could not be read: every string of its configs is secret. */
const UNKNOWN = Symbol('no spec');

export class RunSecrets {
  readonly #schemas = new Map<ConnectorRole, unknown>();
  readonly #values = new Set<string>();
  #redact: Redact = createRedactor([]);

  /** @param values secrets known before any spec is read (the state store's URL, passed env values). */
  constructor(values: Iterable<string | undefined> = []) {
    this.add(values);
  }

  /**
   * Reads each connector's spec (in parallel; from `options.cache` for a versioned connector read
   * before) and collects the secrets of its config. A connector whose `spec` fails has every string
   * of its config masked, and `onWarning` says so; the run goes on (it will most likely fail on the
   * same problem, with a masked error). Never throws.
   */
  async readSpecs(
    connectors: Partial<Record<ConnectorRole, SecretSource>>,
    env: NodeJS.ProcessEnv,
    onWarning: (role: ConnectorRole, connector: string, message: string) => void,
    options: ReadSpecsOptions = {},
  ): Promise<void> {
    const failures: { role: ConnectorRole; connector: string; error: unknown }[] = [];
    await Promise.all(
      (Object.entries(connectors) as [ConnectorRole, SecretSource][]).map(async ([role, { command, config }]) => {
        try {
          this.#schemas.set(role, await cachedConnectionSpecification(command, env, options));
        } catch (error) {
          this.#schemas.set(role, UNKNOWN);
          failures.push({ role, connector: command.name, error });
        }
        this.addConfig(role, config);
      }),
    );
    // Warned only once every config is known: the spec's own error may quote the other connector's.
    for (const { role, connector, error } of failures) {
      onWarning(role, connector, this.mask(`could not read the spec of ${connector}, so every string of its config is masked as a secret: ${errorMessage(error)}`));
    }
  }

  /**
   * Adds the secrets of a config, or of the keys of it a connector changed (CONTROL), of the
   * connector in `role`. Before `readSpecs` only URL credentials are found.
   */
  addConfig(role: ConnectorRole, config: unknown): void {
    const schema = this.#schemas.get(role);
    const found = schema === UNKNOWN ? stringValues(config) : secretValues(schema, config);
    this.add([...found, ...urlSecretsIn(config)]);
  }

  /** Adds secret values (and the credentials in those that are URLs); empty and undefined are skipped. */
  add(values: Iterable<string | undefined>): void {
    const before = this.#values.size;
    for (const value of values) {
      if (!value) continue;
      this.#values.add(value);
      for (const secret of urlSecretsIn(value)) this.#values.add(secret);
    }
    if (this.#values.size !== before) this.#redact = createRedactor(this.#values);
  }

  /** `text` with every secret known so far masked. */
  mask(text: string): string {
    return this.#redact(text);
  }

  /** A copy of `value` with every string in it masked (see `redactDeep`). */
  maskDeep<T>(value: T): T {
    return redactDeep(value, this.#redact);
  }

  /**
   * An event as it may leave the engine. A `config_update` first adds the changed keys' secrets, so
   * a token handed over mid-run is masked in that event and from then on (a line the connector wrote
   * before it is not: the token was not known yet).
   */
  maskEvent(event: SyncEvent): SyncEvent {
    if (event.type === 'config_update') this.addConfig(event.role, event.changes);
    return this.maskDeep(event);
  }
}
