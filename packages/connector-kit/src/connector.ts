/**
 * What a connector written in TypeScript provides. `runConnector` (harness.ts) turns one into an
 * executable with Airbyte's commands; connectors in other languages implement the same commands
 * themselves (see docs/connectors.md).
 */
import type * as z from 'zod';
import type { AirbyteCatalog, AirbyteConnectionStatus, AirbyteMessage, ConfiguredAirbyteCatalog, DestinationSyncMode } from '@sync/protocol';
import type { StreamStates } from './state.ts';

/** What sources and destinations share: a name, a config schema, and `check`. */
interface ConnectorBase<Config> {
  /** Connector name, as in `source-stripe`; used in logs and error messages. */
  name: string;
  /**
   * Schema of the config file. Its JSON Schema is the `connectionSpecification` of `spec`; mark
   * secret fields with `.meta({ airbyte_secret: true })`.
   */
  configSchema: z.ZodType<Config>;
  documentationUrl?: string;
  /** Verifies that the config can work (credentials, reachability). Errors become FAILED. */
  check(config: Config): Promise<AirbyteConnectionStatus>;
}

/** What `read` is given: the parsed config, the configured catalog, and the state to resume from. */
export interface ReadInput<Config> {
  config: Config;
  /**
   * The config file exactly as given (no defaults filled in). A CONTROL config update should start from
   * it (`configUpdate({ ...rawConfig, changed_key })`), so that only what the connector changed is saved.
   */
  rawConfig?: Record<string, unknown>;
  catalog: ConfiguredAirbyteCatalog;
  /** Last committed state per stream; empty on a first run. */
  state: StreamStates;
  /** The `shared_state` of a committed GLOBAL state, if any. */
  sharedState?: Record<string, unknown>;
  /** A committed LEGACY state (only `data`), if any. */
  legacyState?: Record<string, unknown>;
}

/** A source: `discover` its streams, `read` them (Airbyte protocol, "Actor Interface"). */
export interface Source<Config = unknown> extends ConnectorBase<Config> {
  discover(config: Config): Promise<AirbyteCatalog>;
  /**
   * Emits RECORD, STATE, LOG and TRACE messages for the configured streams. A thrown error ends the
   * read with a TRACE ERROR (failure_type from `ConnectorError`, else system_error) and exit code 1.
   */
  read(input: ReadInput<Config>): AsyncIterable<AirbyteMessage>;
}

/** What `write` is given: the parsed config, the configured catalog, and the source's messages. */
export interface WriteInput<Config> {
  config: Config;
  /** The config file exactly as given; see `ReadInput.rawConfig`. */
  rawConfig?: Record<string, unknown>;
  catalog: ConfiguredAirbyteCatalog;
  /** Messages from the source, in order, decoded from stdin. */
  messages: AsyncIterable<AirbyteMessage>;
}

/** A destination: `write` the messages of a source, acknowledging each STATE once committed. */
export interface Destination<Config = unknown> extends ConnectorBase<Config> {
  supportedSyncModes: readonly DestinationSyncMode[];
  /**
   * Writes records and yields each STATE once every record before it is durably committed, in
   * order, with `destinationStats` (Airbyte protocol: "state message ... after all records before it
   * have been persisted").
   */
  write(input: WriteInput<Config>): AsyncIterable<AirbyteMessage>;
}

/** A source or a destination, as `main` takes it. */
export type Connector<Config = unknown> = Source<Config> | Destination<Config>;

/** True for a source (it has `read`), false for a destination. */
export function isSource<Config>(connector: Connector<Config>): connector is Source<Config> {
  return 'read' in connector;
}
