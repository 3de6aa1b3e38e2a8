/**
 * `check` and `discover` of a stored pipeline's connectors (Airbyte protocol: `check --config`,
 * `discover --config`), run as the engine runs them: configs in a private temp dir (0700, files
 * 0600), an allow-listed environment, bounded in time. Whatever they say is masked with the secrets
 * of their configs before it reaches a response.
 */
import { RunSecrets, callConnector, connectorEnvironment, createPrivateDir, errorMessage, redactDeep, type ConnectorCommand, type ConnectorRole } from '@sync/engine';
import type { AirbyteCatalog } from '@sync/protocol';
import type { ServerContext } from './context.ts';
import { connectorCommand } from './connectors.ts';

type Json = Record<string, unknown>;

/** A connector of a pipeline, ready to call. */
export interface PreparedConnector {
  role: ConnectorRole;
  command: ConnectorCommand;
  config: Json;
  /** Masks this config's secrets in text. */
  mask: (text: string) => string;
}

/** The command, the config it runs with, and a masker for it: a run's own masking (`RunSecrets`). */
export async function prepare(context: ServerContext, role: ConnectorRole, name: string, config: Json): Promise<PreparedConnector> {
  const command = connectorCommand(context.directory, role, name);
  const runConfig = context.directory.runConfig ? await context.directory.runConfig(role, name, config) : config;
  const secrets = new RunSecrets(context.secrets);
  await secrets.readSpecs({ [role]: { command, config: runConfig } }, connectorEnvironment(context.connectorEnv), () => {}, { cache: context.store });
  return { role, command, config: runConfig, mask: (text) => secrets.mask(text) };
}

async function call(context: ServerContext, connector: PreparedConnector, verb: 'check' | 'discover') {
  const dir = await createPrivateDir('sync-api-');
  try {
    const configPath = await dir.writeJson('config.json', connector.config);
    return await callConnector(connector.command, [verb, '--config', configPath], { env: connectorEnvironment(context.connectorEnv), timeoutMs: 120_000 });
  } finally {
    await dir.remove();
  }
}

/** `check`: SUCCEEDED, or FAILED with the connector's (masked) message. Never throws for a failing connector. */
export async function checkConnector(context: ServerContext, connector: PreparedConnector): Promise<{ status: 'SUCCEEDED' | 'FAILED'; message?: string }> {
  try {
    const messages = await call(context, connector, 'check');
    const status = messages.find((m) => m.type === 'CONNECTION_STATUS');
    if (status?.type !== 'CONNECTION_STATUS') return { status: 'FAILED', message: `${connector.command.name}: check printed no CONNECTION_STATUS message` };
    const message = status.connectionStatus.message;
    return { status: status.connectionStatus.status, ...(message ? { message: connector.mask(message) } : {}) };
  } catch (error) {
    return { status: 'FAILED', message: connector.mask(errorMessage(error)) };
  }
}

/**
 * `discover`: the source's catalog, masked.
 *
 * @throws Error (masked) when the source fails.
 */
export async function discoverSource(context: ServerContext, connector: PreparedConnector): Promise<AirbyteCatalog> {
  try {
    const messages = await call(context, connector, 'discover');
    const catalog = messages.find((m) => m.type === 'CATALOG');
    if (catalog?.type !== 'CATALOG') throw new Error(`${connector.command.name}: discover printed no CATALOG message`);
    return redactDeep(catalog.catalog, connector.mask);
  } catch (error) {
    throw new Error(connector.mask(errorMessage(error)), { cause: error });
  }
}
